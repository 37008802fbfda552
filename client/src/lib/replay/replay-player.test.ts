import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReplaySession } from './replay-session.svelte.ts';

// The moment is fetched through the API; here each moment answers at once with nothing in it.
vi.mock('./replay-api.ts', () => ({
  loadState: vi.fn((operationId: string, at: number) => Promise.resolve({ operationId, at, docs: [] })),
  loadPositions: vi.fn((operationId: string, at: number) =>
    Promise.resolve({ operationId, at, positions: [], thresholds: { staleAfterMs: 1, lostAfterMs: 2 } }),
  ),
  loadAlerts: vi.fn(() => Promise.resolve({ alerts: [] })),
  loadCoverage: vi.fn(() => Promise.resolve({ sectors: [] })),
  momentPath: (id: string, part: string, at: number) => `/${id}/${part}?at=${at}`,
}));
vi.mock('../state/session.svelte.ts', () => ({ session: { token: null } }));

describe('ReplayPlayer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'performance'] });
    // The player is a .svelte.ts class: outside the Svelte compiler its `$state` fields are plain values.
    vi.stubGlobal('$state', <T>(v: T) => v);
    vi.stubGlobal('window', globalThis);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('while playing at 60×, shows at most two moments a second, each the moment on the clock', async () => {
    const { ReplayPlayer } = await import('./replay-player.svelte.ts');
    const shown: number[] = [];
    const session = {
      applyState: (s: { at: number }) => shown.push(s.at),
      applyPositions: () => {},
      applyAlerts: () => {},
      applyCoverage: () => {},
    } as unknown as ReplaySession;
    const from = 1_780_000_000_000;
    const timeline = { operationId: 'op', from, to: from + 12 * 3_600_000, updates: 0, events: [] };
    const player = new ReplayPlayer(session, timeline, from);
    await vi.advanceTimersByTimeAsync(0);
    expect(shown).toEqual([from]);

    player.speed = 60;
    player.play();
    await vi.advanceTimersByTimeAsync(10_000);
    player.pause();
    await vi.advanceTimersByTimeAsync(0);

    // Ten seconds of play: about 20 moments (each one redraws the map and the boards), not 40.
    expect(shown.length - 1).toBeGreaterThanOrEqual(15);
    expect(shown.length - 1).toBeLessThanOrEqual(21);
    // 10 s at 60× is 10 minutes of operation time; the last moment shown is where the clock stopped.
    expect(player.at - from).toBeGreaterThanOrEqual(9 * 60_000);
    expect(player.shown).toBe(player.at);
    expect(shown[shown.length - 1]).toBe(player.at);
    player.destroy();
  });
});
