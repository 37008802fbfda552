import type { OperationSession } from './operation-session.svelte.ts';

/**
 * The time every record this console writes about the operation's work is stamped with (tasks
 * raised, answered, closed and reopened; units sent, released and edited; drawings; alert rules;
 * searches, sectors, found time, markers): the server's
 * clock as the live layer estimates it, not this PC's. Every station compares these times with
 * another's (the newest task first, "3 分钟前", an answer against a reopen) and the server counts a
 * sector's fixes from `assignedAt` on by its own clock, so a PC running minutes slow or fast would
 * otherwise misplace its writes among everyone else's.
 */
export function serverNow(session: Pick<OperationSession, 'live'>): number {
  return session.live.now();
}
