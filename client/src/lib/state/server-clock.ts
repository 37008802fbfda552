import { httpClock } from './http-clock.ts';
import type { OperationSession } from './operation-session.svelte.ts';

/**
 * The time every record this console writes about the operation's work is stamped with (tasks
 * raised, answered, closed and reopened; units sent, released and edited; drawings; alert rules;
 * searches, sectors, found time, markers): the server's
 * clock as the live layer estimates it, not this PC's. Every station compares these times with
 * another's (the newest task first, "3 分钟前", an answer against a reopen) and the server counts a
 * sector's fixes from `assignedAt` on by its own clock, so a PC running minutes slow or fast would
 * otherwise misplace its writes among everyone else's. Until the first live message the estimate
 * comes from the answers of our API that opened the operation (`httpClock`).
 */
export function serverNow(session: Pick<OperationSession, 'live'>): number {
  return session.live.now();
}

interface Clock {
  now(): number;
}

/** The open operation's clock ({@link followClock}), if any. */
let followed: Clock | null = null;

/**
 * Make `clock` (the open operation's live layer) the one {@link clockNow} reads, until the
 * returned function is called (the operation closes).
 */
export function followClock(clock: Clock): () => void {
  followed = clock;
  return () => {
    if (followed === clock) followed = null;
  };
}

/**
 * The server's clock now for what is shown rather than stored (whether a stamp is of today): the
 * open operation's estimate ({@link serverNow}), else the one from our API's answers, else this PC's.
 */
export function clockNow(): number {
  return followed ? followed.now() : httpClock.now();
}
