import { describe, expect, it } from 'vitest';
import { unitKey } from '@jointmap/shared';
import { DEMO_OP } from '../helpers/server.ts';
import { api, connected, connectViewer, epochSeconds, eventually, traccarQuery } from '../live/live-helpers.ts';
import { startPair, until } from './live-pair.ts';

/** Demo tracker demo-yuyue-01 reports for unit yuyue-car-01 of 德清禹越. */
const CAR = unitKey('deqing-yuyue', 'yuyue-car-01');

describe('live positions over two instances (PostgreSQL + Redis)', () => {
  it('a fix ingested on instance A reaches a viewer on instance B, and a viewer joining B later gets it in its snapshot', async (t) => {
    const { a, b } = await startPair(t);
    const wall = await b.login('wall');
    const onB = connectViewer(t, b.url, { token: wall.token, operationId: DEMO_OP });
    // A viewer on A too: both instances then fan out the fix, each to its own viewers.
    const onA = connectViewer(t, a.url, { token: wall.token, operationId: DEMO_OP });
    await Promise.all([connected(onB.socket), connected(onA.socket)]);
    await eventually(() => onB.snapshots.length === 1 && onA.snapshots.length === 1, 5_000, 'snapshots');

    const time = Date.now() - 2_000;
    const res = await traccarQuery(a.url, {
      id: 'demo-yuyue-01',
      lat: 30.55,
      lon: 120.01,
      timestamp: epochSeconds(time),
    });
    expect(res.status).toBe(200);
    await eventually(() => onB.latest.get(CAR)?.time === Math.floor(time / 1000) * 1000, 5_000, 'fix from A on B');
    await eventually(() => onA.latest.has(CAR), 5_000, 'fix on A');
    // A marker through B after it: once B's viewer has the marker, any second copy of the first fix
    // (a batch of A's fan-out sent through the adapter) would have arrived before it.
    const marker = await traccarQuery(b.url, {
      id: 'demo-yunhe-01',
      lat: 30.48,
      lon: 120.28,
      timestamp: epochSeconds(),
    });
    expect(marker.status).toBe(200);
    await eventually(() => onA.received().some((p) => p.unitId === 'yunhe-car-01'), 5_000, 'marker on A');
    await eventually(() => onB.received().some((p) => p.unitId === 'yunhe-car-01'), 5_000, 'marker on B');
    // Exactly once each: every instance fans out to its own viewers only.
    for (const viewer of [onA, onB]) {
      expect(viewer.received().filter((p) => unitKey(p.stationId, p.unitId) === CAR)).toHaveLength(1);
      expect(viewer.received().filter((p) => p.unitId === 'yunhe-car-01')).toHaveLength(1);
    }

    const late = connectViewer(t, b.url, { token: wall.token, operationId: DEMO_OP });
    await eventually(() => late.snapshots.length === 1, 5_000, 'late snapshot on B');
    expect(late.snapshots[0]!.positions.find((p) => unitKey(p.stationId, p.unitId) === CAR)?.lngLat).toEqual([
      120.01, 30.55,
    ]);
  });

  it('an older fix sent to the other instance never replaces the newer one, on either instance', async (t) => {
    const { a, b } = await startPair(t);
    const newer = Math.floor(Date.now() / 1000) * 1000 - 5_000;
    expect(
      (await traccarQuery(a.url, { id: 'demo-yuyue-01', lat: 30.6, lon: 120.1, timestamp: epochSeconds(newer) }))
        .status,
    ).toBe(200);
    const wall = await b.login('wall');
    const positionsOn = async (server: typeof a) =>
      (
        await api<{ positions: Array<{ unitId: string; stationId: string; time: number; lngLat: number[] }> }>(
          server,
          wall.token,
          'GET',
          `/api/operations/${DEMO_OP}/positions`,
        )
      ).body.positions.find((p) => unitKey(p.stationId, p.unitId) === CAR);
    await until(async () => (await positionsOn(b))?.time === newer, 5_000, 'newer fix on B');
    // A tracker app flushing its buffer to the other instance: the older fix goes to the track only.
    expect(
      (
        await traccarQuery(b.url, {
          id: 'demo-yuyue-01',
          lat: 30.5,
          lon: 120.0,
          timestamp: epochSeconds(newer - 60_000),
        })
      ).status,
    ).toBe(200);
    // A marker fix of another unit sent after it, through A: once it is on A, the older one was relayed too.
    const marker = Date.now() - 1_000;
    expect(
      (await traccarQuery(b.url, { id: 'demo-yunhe-01', lat: 30.48, lon: 120.28, timestamp: epochSeconds(marker) }))
        .status,
    ).toBe(200);
    await until(async () => {
      const res = await api<{ positions: Array<{ unitId: string }> }>(
        a,
        wall.token,
        'GET',
        `/api/operations/${DEMO_OP}/positions`,
      );
      return res.body.positions.some((p) => p.unitId === 'yunhe-car-01');
    }, 5_000);
    for (const server of [a, b]) expect((await positionsOn(server))?.lngLat).toEqual([120.1, 30.6]);
    expect((await a.ctx.storage.latestPosition('deqing-yuyue', 'yuyue-car-01'))?.time).toBe(newer);
  });

  it('a unit reporting only to instance A is current (not stale) for viewers of instance B', async (t) => {
    const { a, b } = await startPair(t);
    const wall = await b.login('wall');
    // Trackers of one unit spread over both instances, as a balancer without stickiness sends them.
    for (let i = 0; i < 4; i++) {
      const server = i % 2 ? a : b;
      const res = await traccarQuery(server.url, {
        id: 'demo-yuyue-01',
        lat: 30.55 + i / 1000,
        lon: 120.01,
        timestamp: epochSeconds(Date.now() - (4 - i) * 1_000),
      });
      expect(res.status).toBe(200);
    }
    const viewer = connectViewer(t, b.url, { token: wall.token, operationId: DEMO_OP });
    await eventually(() => viewer.snapshots.length === 1, 5_000, 'snapshot');
    await eventually(() => viewer.latest.get(CAR)?.lngLat[1] === 30.553, 5_000, 'newest of the four on B');
    const snap = viewer.snapshots[0]!;
    const car = viewer.latest.get(CAR)!;
    expect(snap.serverTime - car.time).toBeLessThan(snap.thresholds.staleAfterMs);
  });

  it('a tracker re-registered to another unit on instance A is stored for that unit when it reports to instance B', async (t) => {
    const { a, b } = await startPair(t);
    // B has resolved the tracker before (its directory holds the old registration).
    expect(
      (await traccarQuery(b.url, { id: 'demo-yuyue-02', lat: 30.55, lon: 120.02, timestamp: epochSeconds() })).status,
    ).toBe(200);
    const commander = await a.login('commander');
    const moved = await api(a, commander.token, 'POST', '/api/devices', {
      id: 'demo-yuyue-02',
      stationId: 'deqing-yuyue',
      unitId: 'yuyue-car-01',
    });
    expect(moved.status).toBeLessThan(300);
    // The registration reaches B through Redis a moment later: the tracker keeps sending (as it
    // would, once a second) until a fix lands on the new unit; a fix stored for the old unit meanwhile
    // is what happens on one instance too. Few enough sends to stay under the device's burst.
    let sent = 0;
    await until(
      async () => {
        sent += 1;
        const res = await traccarQuery(b.url, {
          id: 'demo-yuyue-02',
          lat: 30.56,
          lon: 120.03,
          timestamp: epochSeconds(Date.now() - 60_000 + sent * 1_000),
        });
        expect(res.status).toBe(200);
        const latest = await b.ctx.storage.latestPosition('deqing-yuyue', 'yuyue-car-01');
        if (latest?.deviceId === 'demo-yuyue-02') return true;
        await new Promise((r) => setTimeout(r, 100));
        return false;
      },
      4_000,
      'fix stored for the new unit',
    );
    expect(sent).toBeLessThan(30);
  });
});
