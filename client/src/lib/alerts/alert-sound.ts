import type { AlertKind } from '@jointmap/shared';

/** One tone of a sound pattern: frequency (Hz), start and length (s) from the pattern's start. */
export interface Tone {
  freq: number;
  at: number;
  length: number;
}

/**
 * The alert sounds, synthesised with WebAudio (no audio file, no network): a falling two-tone
 * chime for an alert, and for SOS a sharp high triple beep played twice, so a panic button is
 * told apart without looking.
 */
export function tonesFor(kind: AlertKind): Tone[] {
  if (kind === 'sos') {
    const out: Tone[] = [];
    for (let round = 0; round < 2; round++)
      for (let i = 0; i < 3; i++) out.push({ freq: 1480, at: round * 0.75 + i * 0.16, length: 0.1 });
    return out;
  }
  return [
    { freq: 988, at: 0, length: 0.22 },
    { freq: 740, at: 0.26, length: 0.3 },
  ];
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
export function unlockAlertAudio(): () => void {
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

/** Play the sound of `kind` now. Returns false when the page may not play sound yet. */
export function playAlertSound(kind: AlertKind): boolean {
  const ctx = audio();
  if (!ctx || ctx.state !== 'running') return false;
  const t0 = ctx.currentTime + 0.02;
  for (const tone of tonesFor(kind)) {
    const start = t0 + tone.at;
    const gain = ctx.createGain();
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.25, start + 0.015);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + tone.length);
    gain.connect(ctx.destination);
    const osc = ctx.createOscillator();
    osc.type = kind === 'sos' ? 'square' : 'sine';
    osc.frequency.setValueAtTime(tone.freq, start);
    osc.connect(gain);
    osc.start(start);
    osc.stop(start + tone.length + 0.02);
  }
  return true;
}

const MUTE_KEY = 'jointmap.alerts.muted';

/** Whether alert sounds are muted on this browser (remembered across reloads). */
export function loadMuted(): boolean {
  try {
    return localStorage.getItem(MUTE_KEY) === '1';
  } catch {
    return false;
  }
}

export function saveMuted(muted: boolean): void {
  try {
    localStorage.setItem(MUTE_KEY, muted ? '1' : '0');
  } catch {
    // storage unavailable (private mode): muted for this page only
  }
}
