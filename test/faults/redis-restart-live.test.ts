import { describe, expect, it } from 'vitest';
import { unitKey } from '@jointmap/shared';
import { startPair, until } from '../cluster/live-pair.ts';
import { startRedis } from '../helpers/cluster.ts';
import { DEMO_OP, type TestServer } from '../helpers/server.ts';
import { connected, connectViewer, epochSeconds, eventually, traccarQuery } from '../live/live-helpers.ts';

const CAR = unitKey('deqing-yuyue', 'yuyue-car-01');

async function health(server: TestServer) {
  const res = await fetch(`${server.url}/api/health`);
  return {
    status: res.status,
    body: (await res.json()) as { dependencies: Record<string, { ready: boolean }> },
  };
}

describe('Redis restarted under the live side', () => {
  it('trackers keep reporting while Redis is away, health says Redis is not ready, and after it is back viewers on the other instance catch up and follow again', async (t) => {
    const redis = await startRedis(t);
    const { a, b } = await startPair(t, { redisUrl: redis.url });
    const wall = await b.login('wall');
    const onB = connectViewer(t, b.url, { token: wall.token, operationId: DEMO_OP });
    await connected(onB.socket);
    await eventually(() => onB.snapshots.length === 1, 5_000, 'snapshot on B');
    const at = (sec: number) => epochSeconds(Date.now() - 120_000 + sec * 1_000);

    await redis.kill();
    await until(async () => (await health(a)).status === 503, 10_000, 'A not ready');
    expect((await health(a)).body.dependencies).toMatchObject({ storage: { ready: true }, redis: { ready: false } });
    expect((await a.ctx.metrics.registry.getSingleMetric('jointmap_live_redis_ready')!.get()).values[0]?.value).toBe(0);
    // PostgreSQL is up: the fix is stored and acknowledged (limits count per instance meanwhile).
    const during = await traccarQuery(a.url, { id: 'demo-yuyue-01', lat: 30.61, lon: 120.11, timestamp: at(1) });
    expect(during.status).toBe(200);

    await redis.start();
    await until(async () => (await health(a)).status === 200 && (await health(b)).status === 200, 20_000, 'ready');
    // What B missed while Redis was away comes from PostgreSQL, without the viewer reconnecting.
    await eventually(() => onB.latest.get(CAR)?.lngLat[1] === 30.61, 10_000, 'missed fix on B');
    // And the relay follows again.
    const after = await traccarQuery(a.url, { id: 'demo-yuyue-01', lat: 30.62, lon: 120.12, timestamp: at(2) });
    expect(after.status).toBe(200);
    await eventually(() => onB.latest.get(CAR)?.lngLat[1] === 30.62, 10_000, 'fix after restart on B');
    expect(onB.snapshots).toHaveLength(1);
    // What an operator sees in /api/metrics: the catch-up on B, the limits A counted by itself.
    const metric = async (server: TestServer, name: string) =>
      (await server.ctx.metrics.registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0;
    expect(await metric(b, 'jointmap_live_relay_resyncs_total')).toBeGreaterThan(0);
    expect(await metric(a, 'jointmap_rate_limit_fallbacks_total')).toBeGreaterThan(0);
    expect(await metric(a, 'jointmap_live_redis_ready')).toBe(1);
  });
});
