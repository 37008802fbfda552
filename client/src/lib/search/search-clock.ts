import type { OperationSession } from '../state/operation-session.svelte.ts';

/**
 * The time every search write is stamped with (search `createdAt`, `lastSeenAt`, sector
 * `assignedAt`, `updatedAt`, found time, markers): the server's clock as the live layer estimates
 * it, not this PC's. The server counts a sector's fixes from `assignedAt` on by its own clock, so a
 * commander PC running minutes fast would otherwise make it ignore the sweep that follows.
 */
export function searchNow(session: Pick<OperationSession, 'live'>): number {
  return session.live.now();
}
