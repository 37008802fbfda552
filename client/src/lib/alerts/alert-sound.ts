import type { AlertKind } from '@jointmap/shared';
import { playTones, type Tone } from '../sound.ts';

/**
 * The alert sounds: a falling two-tone chime for an alert, and for SOS a sharp high triple beep
 * played twice, so a panic button is told apart without looking.
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

/** Play the sound of `kind` now. Returns false when the page may not play sound yet. */
export function playAlertSound(kind: AlertKind): boolean {
  return playTones(tonesFor(kind), { wave: kind === 'sos' ? 'square' : 'sine', peak: 0.25 });
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
