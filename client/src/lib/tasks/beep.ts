/**
 * The new-task sound: a short two-tone beep synthesised with WebAudio (no audio file, no network).
 * Browsers start an AudioContext suspended until the user interacts with the page, so the first
 * click or key press anywhere unlocks it; until then a beep is silently skipped.
 */
let context: AudioContext | null = null;

function audio(): AudioContext | null {
  if (context) return context;
  const Ctor = globalThis.AudioContext as typeof AudioContext | undefined;
  if (!Ctor) return null;
  try {
    context = new Ctor();
  } catch {
    return null;
  }
  return context;
}

/** Start listening for the first user gesture that lets the page play sound. Returns the stop. */
export function unlockAudioOnGesture(): () => void {
  const unlock = () => {
    void audio()
      ?.resume()
      .catch(() => undefined);
    stop();
  };
  const stop = () => {
    window.removeEventListener('pointerdown', unlock, true);
    window.removeEventListener('keydown', unlock, true);
  };
  window.addEventListener('pointerdown', unlock, true);
  window.addEventListener('keydown', unlock, true);
  return stop;
}

/** Play the beep now (about 0.35 s). Returns false when the page may not play sound yet. */
export function beep(): boolean {
  const ctx = audio();
  if (!ctx || ctx.state !== 'running') return false;
  const t0 = ctx.currentTime;
  const gain = ctx.createGain();
  gain.gain.setValueAtTime(0.0001, t0);
  gain.connect(ctx.destination);
  [880, 1320].forEach((freq, i) => {
    const start = t0 + i * 0.17;
    const osc = ctx.createOscillator();
    osc.type = 'sine';
    osc.frequency.setValueAtTime(freq, start);
    gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.15);
    osc.connect(gain);
    osc.start(start);
    osc.stop(start + 0.16);
  });
  return true;
}
