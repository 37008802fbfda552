import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordingSession, timelineOf } from './replay-player.test-support.ts';

// The moment is fetched through the API; here each moment answers at once with nothing in it.
vi.mock('./replay-api.ts', async () => (await import('./replay-player.test-support.ts')).instantReplayApi);
vi.mock('../state/session.svelte.ts', () => ({ session: { token: null } }));

const from = 1_780_000_000_000;

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
    const { session, states: shown } = recordingSession();
    const player = new ReplayPlayer(session, timelineOf(from, from + 12 * 3_600_000), from);
    await vi.advanceTimersByTimeAsync(0);
    expect(shown).toEqual([from]);

    player.speed = 60;
    player.play();
    await vi.advanceTimersByTimeAsync(10_000);
    const played = shown.length - 1;
    player.pause();
    await vi.advanceTimersByTimeAsync(0);

    // Ten seconds of play: about 20 moments (each one redraws the map and the boards), not 40.
    expect(played).toBeGreaterThanOrEqual(15);
    expect(played).toBeLessThanOrEqual(21);
    // 10 s at 60× is 10 minutes of operation time; the last moment shown is where the clock stopped.
    expect(player.at - from).toBeGreaterThanOrEqual(9 * 60_000);
    expect(player.shown).toBe(player.at);
    expect(shown[shown.length - 1]).toBe(player.at);
    player.destroy();
  });

  it('paused while playing, shows the coverage of the moment it stopped on', async () => {
    const { ReplayPlayer } = await import('./replay-player.svelte.ts');
    const { session, coverage } = recordingSession();
    const player = new ReplayPlayer(session, timelineOf(from, from + 12 * 3_600_000), from);
    await vi.advanceTimersByTimeAsync(0);

    // 2.5 s at 60×: coverage came with the moment of 2 s (2 min in), the clock is at 2.5 min.
    player.speed = 60;
    player.play();
    await vi.advanceTimersByTimeAsync(2_500);
    player.pause();
    await vi.advanceTimersByTimeAsync(0);

    expect(player.at).toBe(from + 150_000);
    expect(player.shown).toBe(player.at);
    expect(coverage.at(-1)).toBe(player.at);
    player.destroy();
  });

  it('played to the end, stops there showing the coverage of the end, fetched once', async () => {
    const { ReplayPlayer } = await import('./replay-player.svelte.ts');
    const { session, states, coverage } = recordingSession();
    const to = from + 285_000;
    const player = new ReplayPlayer(session, timelineOf(from, to), from);
    await vi.advanceTimersByTimeAsync(0);

    // 4.75 min at 60× is 4.75 s; the last coverage on the way came with the moment of 4 s.
    player.speed = 60;
    player.play();
    await vi.advanceTimersByTimeAsync(8_000);

    expect(player.playing).toBe(false);
    expect(player.at).toBe(to);
    expect(player.shown).toBe(to);
    expect(coverage.at(-1)).toBe(to);
    expect(states.filter((at) => at === to)).toHaveLength(1);
    player.destroy();
  });

  it('a step while playing fetches only the moment stepped to', async () => {
    const { ReplayPlayer, STEP_MS } = await import('./replay-player.svelte.ts');
    const { session, states, coverage } = recordingSession();
    const player = new ReplayPlayer(session, timelineOf(from, from + 12 * 3_600_000), from);
    await vi.advanceTimersByTimeAsync(0);
    player.speed = 60;
    player.play();
    await vi.advanceTimersByTimeAsync(2_500);
    const stoppedAt = player.at;
    const fetched = states.length;

    player.step(1);
    await vi.advanceTimersByTimeAsync(0);

    expect(player.playing).toBe(false);
    expect(states.slice(fetched)).toEqual([stoppedAt + STEP_MS]);
    expect(coverage.at(-1)).toBe(stoppedAt + STEP_MS);
    player.destroy();
  });
});
