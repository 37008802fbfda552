import { afterAll, beforeEach, expect, onTestFinished, test, vi } from 'vitest';
import { Server } from 'socket.io';
import type { UnitPosition } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { LivePositions } from './live-positions.svelte.ts';

beforeEach(() => {
  // The class schedules on `window` and paints on animation frames; node has neither.
  vi.stubGlobal('window', globalThis);
  vi.stubGlobal('requestAnimationFrame', (fn: () => void) => setTimeout(fn, 0));
  vi.stubGlobal('cancelAnimationFrame', (id: ReturnType<typeof setTimeout>) => clearTimeout(id));
});
afterAll(() => void vi.unstubAllGlobals());

const key = 'deqing-yuyue/car-01';
const fix = (deviceId: string, time: number, lng: number): UnitPosition =>
  fixtures.unitPosition('car-01', { stationId: 'deqing-yuyue', deviceId, lngLat: [lng, 30.5], time, receivedAt: time });

/**
 * A live channel whose server sends a snapshot of `first`, then each of `then` as a batch of its
 * own, then a fix of another unit (`car-02`: once it is shown, every batch before it was taken).
 */
async function liveOf(
  first: UnitPosition,
  then: UnitPosition[],
  getJson?: <T>(path: string) => Promise<T>,
): Promise<LivePositions> {
  const server = new Server(0);
  onTestFinished(() => void server.close());
  server.on('connection', (socket) => {
    const serverTime = Date.now();
    socket.emit('live:snapshot', { operationId: 'op-1', serverTime, positions: [first] });
    for (const p of then) socket.emit('live:positions', { operationId: 'op-1', serverTime, positions: [p] });
    const last = fixtures.unitPosition('car-02', {
      stationId: 'deqing-yuyue',
      time: first.time,
      receivedAt: first.time,
    });
    socket.emit('live:positions', { operationId: 'op-1', serverTime, positions: [last] });
  });
  const { port } = server.httpServer.address() as { port: number };
  const live = new LivePositions('op-1', 'token', { url: `http://127.0.0.1:${port}`, ...(getJson ? { getJson } : {}) });
  onTestFinished(() => live.destroy());
  return live;
}

test('two trackers of a unit reporting the same millisecond: the trail ends at the marker, whichever came first', async () => {
  const now = Date.now();
  const start = fix('dev-a', now - 20_000, 120.1);
  const fromA = fix('dev-a', now - 10_000, 120.2);
  const fromB = fix('dev-b', now - 10_000, 120.3);
  for (const order of [
    [fromA, fromB],
    [fromB, fromA],
  ]) {
    const live = await liveOf(start, order);
    await vi.waitFor(() => expect(live.positionOf('deqing-yuyue/car-02')).toBeDefined(), { interval: 20 });
    expect(live.trailOf(key)).toHaveLength(2);
    // The marker is dev-b's fix (compareFixes: the greater device id at the same time); so is the trail's end.
    expect(live.positionOf(key)).toEqual(fromB);
    expect(live.trailOf(key).at(-1)).toEqual([120.3, 30.5, fromB.time, 'dev-b']);
  }
});

test('fetched history with two fixes of one time keeps the one compareFixes calls newer', async () => {
  const now = Date.now();
  const start = fix('dev-a', now - 30_000, 120.1);
  const fromA = fix('dev-a', now - 20_000, 120.2);
  const fromB = fix('dev-b', now - 20_000, 120.3);
  const last = fix('dev-a', now - 10_000, 120.4);
  // The server's track answer: its fixes by compareFixes, each vertex with its time and tracker.
  const track = [start, fromA, fromB, last];
  const body = {
    type: 'FeatureCollection',
    features: [
      {
        type: 'Feature',
        properties: {
          coordinateProperties: { times: track.map((f) => f.time), deviceIds: track.map((f) => f.deviceId) },
        },
        geometry: { type: 'LineString', coordinates: track.map((f) => f.lngLat) },
      },
    ],
  };
  const live = await liveOf(last, [], async <T>() => body as T);
  await vi.waitFor(() => expect(live.trailOf(key)).toHaveLength(3), { interval: 20 });
  expect(live.trailOf(key)[1]).toEqual([120.3, 30.5, fromB.time, 'dev-b']);
});
