import { afterAll, afterEach, beforeEach, expect, onTestFinished, test, vi } from 'vitest';
import { Server } from 'socket.io';
import { fixtures } from '@jointmap/shared/fixtures/records';
import type { LiveChange } from './position-board.svelte.ts';
import { LivePositions } from './live-positions.svelte.ts';
import { DEFAULT_TRAIL } from './trail-buffer.ts';

beforeEach(() => {
  // The class schedules on `window` and paints on animation frames; node has neither.
  vi.stubGlobal('window', globalThis);
  vi.stubGlobal('requestAnimationFrame', (fn: () => void) => setTimeout(fn, 0));
  vi.stubGlobal('cancelAnimationFrame', (id: ReturnType<typeof setTimeout>) => clearTimeout(id));
});
afterEach(() => void vi.useRealTimers());
afterAll(() => void vi.unstubAllGlobals());

test('a quiet map still loses its old trails: pruning by the clock tells the layers, though no grade changed', async () => {
  // The clock and the freshness ticker are the test's; socket.io keeps its real timeouts.
  vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
  const start = Date.now();
  const key = 'deqing-yuyue/car-01';
  // The unit's last fixes, ten and nine minutes old: already lost, so its grade changes no more.
  const fix = (time: number) =>
    fixtures.unitPosition('car-01', {
      stationId: 'deqing-yuyue',
      deviceId: 'dev-car-01',
      lngLat: [120 + (start - time) * 1e-9, 30.5],
      time,
      receivedAt: time,
    });
  const server = new Server(0);
  onTestFinished(() => void server.close());
  let joins = 0;
  server.on('connection', (socket) => {
    // Only the first join gets a snapshot: a later one would redraw everything anyway.
    if (joins++ > 0) return;
    socket.emit('live:snapshot', { operationId: 'op-1', serverTime: Date.now(), positions: [fix(start - 600_000)] });
    socket.emit('live:positions', { operationId: 'op-1', serverTime: Date.now(), positions: [fix(start - 540_000)] });
  });
  const { port } = server.httpServer.address() as { port: number };
  const live = new LivePositions('op-1', 'token', { url: `http://127.0.0.1:${port}` });
  onTestFinished(() => live.destroy());
  await vi.waitFor(() => expect(live.trailOf(key)).toHaveLength(2), { interval: 20 });
  expect(live.freshnessOf(key)).toBe('lost');

  const changes: LiveChange[] = [];
  const pruned: Array<ReadonlySet<string>> = [];
  live.onChange((c) => changes.push(c));
  live.onTrailsPruned((units) => pruned.push(units));
  // A minute on, nothing to drop yet: no redraw for nothing.
  vi.advanceTimersByTime(60_000);
  expect(pruned).toEqual([]);
  // The older fix leaves the window: the trail shrinks and the trail layer hears of the unit.
  vi.advanceTimersByTime(DEFAULT_TRAIL.windowMs - 600_000 - 60_000 + 1000);
  expect(live.trailOf(key).map((p) => p[2])).toEqual([start - 540_000]);
  expect(pruned).toEqual([new Set([key])]);
  // Then the last one: the trail is gone, and the trail layer hears of it again.
  vi.advanceTimersByTime(60_000);
  expect(live.trailOf(key)).toEqual([]);
  expect(pruned).toEqual([new Set([key]), new Set([key])]);
  // Nothing else of the unit changed: the change feed, which every layer and board follows, is quiet.
  expect(changes).toEqual([]);
  expect(live.freshnessOf(key)).toBe('lost');
});
