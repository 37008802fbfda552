import { describe, expect, it } from 'vitest';
import { unitKey } from '@jointmap/shared';
import { DEMO_OP } from '../helpers/server.ts';
import { startCluster } from '../helpers/cluster.ts';
import { connected, connectViewer, epochSeconds, eventually, traccarQuery } from '../live/live-helpers.ts';

const CAR = unitKey('deqing-yuyue', 'yuyue-car-01');

describe('three instances in separate processes (PostgreSQL + Redis)', () => {
  it('positions ingested on each instance reach socket.io viewers on all three, none twice and never backwards', async (t) => {
    const cluster = await startCluster(t, 3);
    const viewers: ReturnType<typeof connectViewer>[] = [];
    for (const instance of cluster.instances) {
      const wall = await cluster.login(instance, 'wall');
      const viewer = connectViewer(t, instance.url, { token: wall.token, operationId: DEMO_OP });
      await connected(viewer.socket);
      viewers.push(viewer);
    }
    await eventually(() => viewers.every((v) => v.snapshots.length === 1), 10_000, 'snapshots');

    // Fixes through each instance in turn, newest last: every viewer ends on the newest.
    const base = Math.floor(Date.now() / 1000) * 1000 - 10_000;
    for (const [i, instance] of cluster.instances.entries()) {
      const res = await traccarQuery(instance.url, {
        id: 'demo-yuyue-01',
        lat: 30.55 + i * 0.001,
        lon: 120.01,
        timestamp: epochSeconds(base + i * 1_000),
      });
      expect(res.status).toBe(200);
    }
    for (const v of viewers)
      await eventually(() => v.latest.get(CAR)?.time === base + 2_000, 10_000, 'the newest fix on every viewer');
    for (const v of viewers) {
      const seen = v.received().filter((p) => unitKey(p.stationId, p.unitId) === CAR);
      // The fan-out sends the newest per unit per tick, so earlier fixes may be folded into later
      // ones; but none twice (no instance forwards another's fan-out again), and never backwards.
      const times = seen.map((p) => p.time);
      expect(times.at(-1)).toBe(base + 2_000);
      expect(new Set(times).size).toBe(times.length);
      expect([...times].sort((x, y) => x - y)).toEqual(times);
      expect(v.latest.get(CAR)?.lngLat).toEqual([120.01, 30.552]);
    }
  });
});
