import { describe, expect, it } from 'vitest';
import type { UnitPosition } from '@jointmap/shared';
import { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import { DEMO_OP, startServer, type TestServer } from '../helpers/server.ts';
import {
  api,
  connected,
  connectViewer,
  epochSeconds,
  eventually,
  setUpTwins,
  stored,
  traccarQuery,
  TWIN,
} from './live-helpers.ts';

const DEQING = 'deqing-yuyue';
const LINPING = 'linping-yunhe';

/** `storage` whose first `n` reads of device `id` are held until all `n` have started. */
function gatedDeviceReads(storage: SqliteStorage, id: string, n: number): SqliteStorage {
  const read = storage.getDevice.bind(storage);
  const waiting: Array<() => void> = [];
  storage.getDevice = async (deviceId) => {
    if (deviceId === id && waiting.length < n) {
      // (A fallback so a broken server fails the assertions below instead of hanging the test.)
      const gate = new Promise<void>((resolve) => waiting.push(resolve) && setTimeout(resolve, 10_000).unref());
      if (waiting.length === n) for (const open of waiting) open();
      await gate;
    }
    return read(deviceId);
  };
  return storage;
}

const fix = (server: TestServer, id: string, lat: number, time: number) =>
  traccarQuery(server.url, { id, lat, lon: 120.3, timestamp: epochSeconds(time) });

describe('units of the same id in two stations', () => {
  it('are registered, stored, fanned out and listed separately; neither overwrites the other', async (t) => {
    const server = await startServer(t);
    const { deqing } = await setUpTwins(server);
    const wall = await server.login('wall');
    const viewer = connectViewer(t, server.url, { token: wall.token, operationId: DEMO_OP });
    await connected(viewer.socket);
    await eventually(() => viewer.snapshots.length > 0, 5_000, 'snapshot');

    // After the operation's start: 德清 reads 临平's track below through it (from its start on).
    const base = Math.ceil(((await server.ctx.storage.getOperation(DEMO_OP))!.createdAt + 1) / 1000) * 1000;
    // All four dated in the past (a fix dated ahead is read as dated on arrival).
    await new Promise((r) => setTimeout(r, Math.max(0, base + 3_000 - Date.now())));
    // Interleaved, and 临平's fixes newer than 德清's: with one key per unit id, 临平 would win.
    expect((await fix(server, 'twin-yy', 30.51, base)).status).toBe(200);
    expect((await fix(server, 'twin-yh', 30.41, base + 1_000)).status).toBe(200);
    expect((await fix(server, 'twin-yy', 30.52, base + 2_000)).status).toBe(200);
    expect((await fix(server, 'twin-yh', 30.42, base + 3_000)).status).toBe(200);

    // Fanned out as two units.
    await eventually(
      () =>
        viewer.latest.get(`${DEQING}/${TWIN}`)?.lngLat[1] === 30.52 &&
        viewer.latest.get(`${LINPING}/${TWIN}`)?.lngLat[1] === 30.42,
      5_000,
      'both twins live',
    );
    const twinsIn = (positions: UnitPosition[]) =>
      positions
        .filter((p) => p.unitId === TWIN)
        .map((p) => [p.stationId, p.deviceId, p.lngLat[1]])
        .sort();
    // Every fix went out under its own station (batches are coalesced, so not necessarily each one).
    for (const [stationId, deviceId] of twinsIn(viewer.received()))
      expect(deviceId).toBe(stationId === DEQING ? 'twin-yy' : 'twin-yh');

    // Stored apart: each latest and each track holds only its own station's fixes.
    const yy = await stored(server, DEQING, TWIN);
    const yh = await stored(server, LINPING, TWIN);
    expect(yy.latest).toMatchObject({ deviceId: 'twin-yy', lat: 30.52, time: base + 2_000 });
    expect(yh.latest).toMatchObject({ deviceId: 'twin-yh', lat: 30.42, time: base + 3_000 });
    expect(yy.track.map((f) => [f.deviceId, f.lat])).toEqual([
      ['twin-yy', 30.51],
      ['twin-yy', 30.52],
    ]);
    expect(yh.track.map((f) => [f.deviceId, f.lat])).toEqual([
      ['twin-yh', 30.41],
      ['twin-yh', 30.42],
    ]);

    // A viewer joining now gets both in its snapshot; REST lists both.
    const late = connectViewer(t, server.url, { token: wall.token, operationId: DEMO_OP });
    await eventually(() => late.snapshots.length > 0, 5_000, 'late snapshot');
    expect(twinsIn(late.snapshots[0]!.positions)).toEqual([
      [DEQING, 'twin-yy', 30.52],
      [LINPING, 'twin-yh', 30.42],
    ]);
    const rest = await api<{ positions: UnitPosition[] }>(
      server,
      wall.token,
      'GET',
      `/api/operations/${DEMO_OP}/positions`,
    );
    expect(twinsIn(rest.body.positions)).toEqual(twinsIn(late.snapshots[0]!.positions));

    // Tracks per station; a dispatcher of 德清 may read 临平's (same operation) by naming it.
    while (Date.now() <= base + 3_000) await new Promise((r) => setTimeout(r, 100));
    type Track = { properties: { stationId: string; count: number } };
    const own = await api<Track>(server, deqing.token, 'GET', `/api/units/${TWIN}/track?stationId=${DEQING}`);
    expect(own.body.properties).toMatchObject({ stationId: DEQING, count: 2 });
    const theirs = await api<Track>(server, deqing.token, 'GET', `/api/units/${TWIN}/track?stationId=${LINPING}`);
    expect(theirs.body.properties).toMatchObject({ stationId: LINPING, count: 2 });
    expect((await api(server, deqing.token, 'GET', `/api/units/${TWIN}/track`)).body).toMatchObject({
      error: { code: 'CONFLICT' },
    });

    // After a restart the latest positions come back per station too.
    await server.close();
    const again = await startServer(t, { dataDir: server.dataDir });
    const wall2 = await again.login('wall');
    const after = await api<{ positions: UnitPosition[] }>(
      again,
      wall2.token,
      'GET',
      `/api/operations/${DEMO_OP}/positions`,
    );
    expect(twinsIn(after.body.positions)).toEqual([
      [DEQING, 'twin-yy', 30.52],
      [LINPING, 'twin-yh', 30.42],
    ]);
  });

  it("a registration that would move another station's tracker is refused with a code, and changes nothing", async (t) => {
    const server = await startServer(t);
    const { deqing } = await setUpTwins(server);
    const commander = await server.login('commander');
    const before = await server.ctx.storage.getDevice('twin-yh');

    // 德清's dispatcher may not touch 临平's tracker at all …
    const byDispatcher = await api(server, deqing.token, 'POST', '/api/devices', {
      id: 'twin-yh',
      stationId: DEQING,
      unitId: TWIN,
    });
    expect(byDispatcher.status).toBe(403);
    expect(byDispatcher.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    // … and not even a commander moves a tracker that reports for another station's unit in one step.
    const byCommander = await api(server, commander.token, 'POST', '/api/devices', {
      id: 'twin-yh',
      stationId: DEQING,
      unitId: TWIN,
    });
    expect(byCommander.status).toBe(409);
    expect(byCommander.body).toMatchObject({ error: { code: 'CONFLICT' } });
    expect(await server.ctx.storage.getDevice('twin-yh')).toEqual(before);

    // Its fixes still go to 临平's unit, never to 德清's unit of the same id.
    expect((await fix(server, 'twin-yh', 30.43, Date.now() - 1_000)).status).toBe(200);
    expect((await stored(server, LINPING, TWIN)).latest).toMatchObject({ deviceId: 'twin-yh', lat: 30.43 });
    expect((await stored(server, DEQING, TWIN)).latest).toBeNull();

    // Released by its station first, a commander may then give it to another station.
    expect(
      (await api(server, commander.token, 'POST', '/api/devices', { id: 'twin-yh', stationId: LINPING, unitId: null }))
        .status,
    ).toBe(200);
    expect(
      (await api(server, commander.token, 'POST', '/api/devices', { id: 'twin-yh', stationId: DEQING, unitId: TWIN }))
        .body,
    ).toMatchObject({ id: 'twin-yh', stationId: DEQING, unitId: TWIN });
  });

  it('two stations claiming one new tracker id at once: exactly one wins, the other gets CONFLICT', async (t) => {
    // Real SQLite whose device reads of `new-phone` wait until two are in flight, as reads on a
    // networked database overlap: both registrations see the id free before either writes.
    const server = await startServer(
      t,
      {},
      { storage: (dir) => gatedDeviceReads(new SqliteStorage(dir), 'new-phone', 2) },
    );
    await setUpTwins(server);
    const commander = await server.login('commander');
    const claim = (stationId: string) =>
      api(server, commander.token, 'POST', '/api/devices', { id: 'new-phone', stationId, unitId: TWIN });
    const results = await Promise.all([claim(DEQING), claim(LINPING)]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409]);
    const winner = results.find((r) => r.status === 201)!.body as { stationId: string };
    expect(results.find((r) => r.status === 409)!.body).toMatchObject({ error: { code: 'CONFLICT' } });
    expect(await server.ctx.storage.getDevice('new-phone')).toMatchObject({ stationId: winner.stationId });
    // The directory the ingest reads agrees with storage: the fix lands on the winner's unit only.
    expect((await fix(server, 'new-phone', 30.6, Date.now() - 1_000)).status).toBe(200);
    const loser = winner.stationId === DEQING ? LINPING : DEQING;
    expect((await stored(server, winner.stationId, TWIN)).latest).toMatchObject({ deviceId: 'new-phone' });
    expect((await stored(server, loser, TWIN)).latest).toBeNull();
  });
});
