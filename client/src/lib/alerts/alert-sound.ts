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

/**
 * The mute is a person's choice, so it is kept per user: on a shared desk PC the next dispatcher
 * to sign in hears alerts whatever the last one chose. (The old per-browser key is ignored.)
 */
const muteKey = (userId: string) => `jointmap.alerts.muted.${userId}`;

/** Whether `userId` muted alert sounds on this browser (remembered across reloads); false with no user. */
export function loadMuted(userId: string | null): boolean {
  if (!userId) return false;
  try {
    return localStorage.getItem(muteKey(userId)) === '1';
  } catch {
    return false;
  }
}

/** Remember `userId`'s mute on this browser; with no user the mute lasts for this page only. */
export function saveMuted(userId: string | null, muted: boolean): void {
  if (!userId) return;
  try {
    localStorage.setItem(muteKey(userId), muted ? '1' : '0');
  } catch {
    // storage unavailable (private mode): muted for this page only
  }
}
