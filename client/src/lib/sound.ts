/**
 * The console's sounds (new task, alert, SOS), synthesised with WebAudio: no audio file, no
 * network. One AudioContext serves the page (browsers cap how many a page may open).
 */

/** One tone of a sound: frequency (Hz), start and length (s) from the sound's start. */
export interface Tone {
  freq: number;
  at: number;
  length: number;
}

/** How the tones of a sound are voiced: the oscillator's wave and the peak gain (0–1). */
export interface Voice {
  wave: OscillatorType;
  peak: number;
}

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

/**
 * Browsers start audio suspended until the user interacts with the page: the first click or key
 * press unlocks it (until then a sound is silently skipped). Returns the function that stops waiting.
 */
export function unlockSoundOnGesture(): () => void {
  const capture = { capture: true };
  const unlock = () => {
    void audio()
      ?.resume()
      .catch(() => undefined);
    stop();
  };
  const stop = () => {
    window.removeEventListener('pointerdown', unlock, capture);
    window.removeEventListener('keydown', unlock, capture);
  };
  window.addEventListener('pointerdown', unlock, capture);
  window.addEventListener('keydown', unlock, capture);
  return stop;
}

/** Play `tones` now, each with a short attack and decay. Returns false when the page may not play sound yet. */
export function playTones(tones: readonly Tone[], voice: Voice): boolean {
  const ctx = audio();
  if (!ctx || ctx.state !== 'running') return false;
  const t0 = ctx.currentTime + 0.02;
  for (const tone of tones) {
    const start = t0 + tone.at;
    const gain = ctx.createGain();
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(voice.peak, start + 0.015);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + tone.length);
    gain.connect(ctx.destination);
    const osc = ctx.createOscillator();
    osc.type = voice.wave;
    osc.frequency.setValueAtTime(tone.freq, start);
    osc.connect(gain);
    osc.start(start);
    osc.stop(start + tone.length + 0.02);
  }
  return true;
}
