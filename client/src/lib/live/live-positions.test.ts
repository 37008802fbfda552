import { afterAll, beforeEach, expect, onTestFinished, test, vi } from 'vitest';
import type { ErrorCode } from '@jointmap/shared';
import { Server } from 'socket.io';
import type { LiveState } from './position-board.svelte.ts';
import { LivePositions } from './live-positions.svelte.ts';
import { DEFAULT_TRAIL } from './trail-buffer.ts';
import { gapRequests } from './trail-history.ts';
import { fixtures } from '@jointmap/shared/fixtures/records';

/**
 * A real socket.io server whose handshake middleware answers what `refusals` holds next (then
 * accepts), as the live channel's middleware refuses with a catalog code (socket.io is a
 * development dependency of the console for this only).
 */
async function startLiveServer(refusals: ErrorCode[]) {
  const server = new Server(0);
  const handshakes: Array<ErrorCode | 'accepted'> = [];
  server.use((_socket, next) => {
    const code = refusals.shift();
    handshakes.push(code ?? 'accepted');
    next(code ? Object.assign(new Error(code), { data: { code, message: code } }) : undefined);
  });
  onTestFinished(() => server.close());
  const { port } = server.httpServer.address() as { port: number };
  return { server, handshakes, url: `http://127.0.0.1:${port}` };
}

function connect(url: string, getJson?: <T>(path: string) => Promise<T>): LivePositions {
  const live = new LivePositions('op-1', 'token', { url, ...(getJson ? { getJson } : {}) });
  onTestFinished(() => live.destroy());
  return live;
}

/** Resolves once `live.state` is `state` (or, with `not`, is not); records every state it passed through. */
async function until(live: LivePositions, state: LiveState, seen: LiveState[] = [], not = false): Promise<void> {
  const ms = 10_000;
  const end = Date.now() + ms;
  while ((live.state === state) === not) {
    if (seen.at(-1) !== live.state) seen.push(live.state);
    if (Date.now() > end) throw new Error(`still ${live.state} after ${ms} ms (was ${seen.join(' → ')})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeEach(() => {
  // The class schedules on `window` and paints on animation frames; node has neither.
  vi.stubGlobal('window', globalThis);
  vi.stubGlobal('requestAnimationFrame', (fn: () => void) => setTimeout(fn, 0));
  vi.stubGlobal('cancelAnimationFrame', (id: ReturnType<typeof setTimeout>) => clearTimeout(id));
});
// After every test's own teardown (`onTestFinished` runs after `afterEach`).
afterAll(() => void vi.unstubAllGlobals());

test('a first handshake refused with INTERNAL is tried again, and the channel comes online', async () => {
  const { url, handshakes } = await startLiveServer(['INTERNAL']);
  const live = connect(url);
  await until(live, 'online');
  expect(handshakes).toEqual(['INTERNAL', 'accepted']);
});

test('a reconnect refused while sessions cannot be checked backs off and rejoins: the wall is not left offline', async () => {
  const refusals: ErrorCode[] = [];
  const { server, url, handshakes } = await startLiveServer(refusals);
  const live = connect(url);
  await until(live, 'online');

  // The link drops; socket.io reconnects by itself, but the session store is down meanwhile.
  refusals.push('STORAGE_UNAVAILABLE', 'STORAGE_UNAVAILABLE');
  for (const s of server.sockets.sockets.values()) s.conn.close();
  const seen: LiveState[] = [];
  await until(live, 'online', seen, true);
  await until(live, 'online', seen);
  expect(handshakes).toEqual(['accepted', 'STORAGE_UNAVAILABLE', 'STORAGE_UNAVAILABLE', 'accepted']);
  // Two refusals in a row: the badge said so while it kept trying.
  expect(seen).toContain('offline');
  expect(live.error).toBeNull();
});

test('a client too old is not tried again: it stays offline until reloaded', async () => {
  const { url, handshakes } = await startLiveServer(['CLIENT_TOO_OLD']);
  const live = connect(url);
  await until(live, 'offline');
  await new Promise((r) => setTimeout(r, 1_500));
  expect(handshakes).toEqual(['CLIENT_TOO_OLD']);
  expect(live.state).toBe('offline');
  expect(live.error?.code).toBe('CLIENT_TOO_OLD');
  // What the badge says and acts on: a reload brings the new client.
  expect(live.outdated).toBe(true);
});

test('an ended session is not tried again: sign in', async () => {
  const { url, handshakes } = await startLiveServer(['SESSION_ENDED']);
  const live = connect(url);
  await until(live, 'signedOut');
  await new Promise((r) => setTimeout(r, 1_500));
  expect(handshakes).toEqual(['SESSION_ENDED']);
  expect(live.signedOut).toBe(true);
});

test('a snapshot replaces the units held: one it leaves out (another station’s, once the operation closed) goes', async () => {
  const { server, url } = await startLiveServer([]);
  const position = (stationId: string, unitId: string, time: number) =>
    fixtures.unitPosition(unitId, { stationId, deviceId: `dev-${unitId}`, time, receivedAt: time });
  const snapshot = (positions: unknown[]) => ({ operationId: 'op-1', serverTime: Date.now(), positions });
  const now = Date.now();
  let sockets = 0;
  server.on('connection', (socket) => {
    sockets++;
    // The first join shares both stations; the one after a reconnect only the viewer's own.
    socket.emit(
      'live:snapshot',
      snapshot(
        sockets === 1
          ? [position('deqing-yuyue', 'car-01', now - 2000), position('tongxiang-zhouquan', 'zq-01', now - 2000)]
          : [position('deqing-yuyue', 'car-01', now - 1000)],
      ),
    );
  });
  const live = connect(url);
  await vi.waitFor(() =>
    expect([...live.latest.keys()].sort()).toEqual(['deqing-yuyue/car-01', 'tongxiang-zhouquan/zq-01']),
  );
  server.disconnectSockets();
  await vi.waitFor(() => expect([...live.latest.keys()]).toEqual(['deqing-yuyue/car-01']), { timeout: 10_000 });
  expect(live.latest.get('deqing-yuyue/car-01')?.time).toBe(now - 1000);
});

/** A unit's fix at `time`, each somewhere else. */
const fixAt = (unitId: string, time: number) =>
  fixtures.unitPosition(unitId, {
    stationId: 'deqing-yuyue',
    deviceId: `dev-${unitId}`,
    lngLat: [120 + (time % 1_000_000) * 1e-8, 30.5],
    time,
    receivedAt: time,
  });

/** The track answer of the server for these fix times (one LineString, as `GET /api/units/:id/track`). */
const trackOf = (unitId: string, times: number[]) => ({
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      properties: { coordinateProperties: { times } },
      geometry: { type: 'LineString', coordinates: times.map((t) => fixAt(unitId, t).lngLat) },
    },
  ],
});

test('after a drop of minutes the trail gets what the unit sent meanwhile, not a straight line across the gap', async () => {
  const { server, url } = await startLiveServer([]);
  const start = Date.now() - 10 * 60_000;
  const beforeDrop = [start, start + 30_000, start + 60_000];
  const duringDrop = [start + 120_000, start + 180_000, start + 240_000];
  const afterDrop = start + 300_000;
  let joins = 0;
  server.on('connection', (socket) => {
    joins++;
    const time = joins === 1 ? beforeDrop.at(-1)! : afterDrop;
    socket.emit('live:snapshot', { operationId: 'op-1', serverTime: Date.now(), positions: [fixAt('car-01', time)] });
  });
  // The server's store of the unit's fixes; answers the window asked for.
  const stored = [...beforeDrop];
  const asked: string[] = [];
  const live = connect(url, async <T>(path: string): Promise<T> => {
    asked.push(path);
    const from = Number(new URL(path, 'http://x').searchParams.get('from') ?? 0);
    return trackOf(
      'car-01',
      stored.filter((t) => t >= from),
    ) as T;
  });
  const key = 'deqing-yuyue/car-01';
  await vi.waitFor(() => expect(live.trailOf(key).map((p) => p[2])).toEqual(beforeDrop));

  // The link drops for minutes; the unit keeps moving; the channel comes back with a snapshot.
  stored.push(...duringDrop, afterDrop);
  server.disconnectSockets();
  await vi.waitFor(() => expect(joins).toBe(2), { timeout: 10_000 });
  await vi.waitFor(() => expect(live.trailOf(key).map((p) => p[2])).toEqual([...beforeDrop, ...duringDrop, afterDrop]));
  // Only the gap was asked for the second time, from the last fix held before it.
  expect(asked).toEqual([
    '/api/units/car-01/track?stationId=deqing-yuyue',
    `/api/units/car-01/track?stationId=deqing-yuyue&from=${beforeDrop.at(-1)}`,
  ]);
});

test('an operation of more than a hundred units gets every unit’s trail history', async () => {
  const { server, url } = await startLiveServer([]);
  const now = Date.now();
  const units = Array.from({ length: 150 }, (_, i) => `car-${i}`);
  server.on('connection', (socket) =>
    socket.emit('live:snapshot', {
      operationId: 'op-1',
      serverTime: now,
      positions: units.map((u) => fixAt(u, now - 1000)),
    }),
  );
  const asked = new Set<string>();
  const live = connect(url, async <T>(path: string): Promise<T> => {
    const unitId = decodeURIComponent(path.split('/')[3]!);
    asked.add(unitId);
    return trackOf(unitId, [now - 120_000, now - 60_000]) as T;
  });
  await vi.waitFor(() => expect(asked.size).toBe(units.length));
  await vi.waitFor(() => {
    for (const u of units) expect(live.trailOf(`deqing-yuyue/${u}`)).toHaveLength(3);
  });
});

test('a gap the link dropped again before it was fetched is asked for after the next reconnect, from where it began', async () => {
  const { server, url } = await startLiveServer([]);
  const start = Date.now() - 10 * 60_000;
  const times = [start, start + 120_000, start + 240_000];
  let joins = 0;
  // The server's store of the unit's fixes, up to the snapshot of each join.
  const stored: number[] = [];
  server.on('connection', (socket) => {
    joins++;
    stored.push(times[joins - 1]!);
    socket.emit('live:snapshot', {
      operationId: 'op-1',
      serverTime: Date.now(),
      positions: [fixAt('car-01', times[joins - 1]!)],
    });
  });
  const asked: string[] = [];
  let reachable = true;
  const live = connect(url, async <T>(path: string): Promise<T> => {
    asked.push(path);
    if (!reachable) throw new Error('offline');
    const from = Number(new URL(path, 'http://x').searchParams.get('from') ?? 0);
    return trackOf(
      'car-01',
      stored.filter((t) => t >= from),
    ) as T;
  });
  const key = 'deqing-yuyue/car-01';
  await vi.waitFor(() => expect(live.trailOf(key).map((p) => p[2])).toEqual([times[0]]));
  // Back for a moment: the snapshot comes, but the history request fails (the link went again).
  reachable = false;
  server.disconnectSockets();
  await vi.waitFor(() => expect(asked.length).toBe(2), { timeout: 10_000 });
  // Back for good: the first gap is asked for again, from its start, not from the second snapshot.
  reachable = true;
  server.disconnectSockets();
  await vi.waitFor(() => expect(joins).toBe(3), { timeout: 10_000 });
  await vi.waitFor(() => expect(asked.length).toBe(3));
  expect(asked.at(-1)).toBe(`/api/units/car-01/track?stationId=deqing-yuyue&from=${times[0]}`);
  await vi.waitFor(() => expect(live.trailOf(key).map((p) => p[2])).toEqual(times));
});

test('after an hour away a trail asks only for the 15 minutes it keeps', () => {
  const back = Date.now();
  const held = new Map([['deqing-yuyue/car-01', fixAt('car-01', back - 3_600_000)]]);
  expect(gapRequests(held, [fixAt('car-01', back)])).toEqual([
    { key: 'deqing-yuyue/car-01', from: back - DEFAULT_TRAIL.windowMs },
  ]);
});
