import type { CoverageMessage, ReplayState, ReplayTimeline } from '@jointmap/shared';
import type { ReplaySession } from './replay-session.svelte.ts';

/**
 * The replay API as a `vi.mock('./replay-api.ts', …)` factory takes it: each moment answers at once,
 * empty; its coverage is stamped with the moment it was asked for (`serverTime`), as the server's is.
 */
export const instantReplayApi = {
  loadState: (operationId: string, at: number) => Promise.resolve({ operationId, at, docs: [] }),
  loadPositions: (operationId: string, at: number) =>
    Promise.resolve({ operationId, at, positions: [], thresholds: { staleAfterMs: 1, lostAfterMs: 2 } }),
  loadAlerts: () => Promise.resolve({ alerts: [] }),
  loadCoverage: (operationId: string, at: number): Promise<CoverageMessage> =>
    Promise.resolve({ operationId, serverTime: at, full: true, sectors: [] }),
  momentPath: (id: string, part: string, at: number) => `/${id}/${part}?at=${at}`,
};

/** The moments a player put on screen: each state's and each coverage's moment, in order. */
export function recordingSession(): { session: ReplaySession; states: number[]; coverage: number[] } {
  const states: number[] = [];
  const coverage: number[] = [];
  const session = {
    applyState: (s: ReplayState) => states.push(s.at),
    applyPositions: () => {},
    applyAlerts: () => {},
    applyCoverage: (c: CoverageMessage) => coverage.push(c.serverTime),
  } as unknown as ReplaySession;
  return { session, states, coverage };
}

/** A timeline of operation `op` from `from` to `to`, without events. */
export const timelineOf = (from: number, to: number): ReplayTimeline => ({
  operationId: 'op',
  from,
  to,
  updates: 0,
  events: [],
});
