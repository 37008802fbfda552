import { describe, expect, it } from 'vitest';
import { LinkProxy } from '../helpers/link-proxy.ts';
import { createTestSchema, PG_ADMIN_URL, urlWithSchema } from '../helpers/pg-schema.ts';
import { startRedis } from '../helpers/cluster.ts';
import { startServer } from '../helpers/server.ts';
import { api, epochSeconds, traccarQuery } from '../live/live-helpers.ts';
import { uniquePrefix, until } from '../cluster/live-pair.ts';

interface Health {
  status: string;
  dependencies: Record<string, { ready: boolean; message?: string }>;
  error?: { code: string };
}

/** PostgreSQL reached through a relay the test can cut (nothing arrives, nothing is closed). */
async function serverBehindCutLink(t: { onTestFinished(fn: () => unknown): void }) {
  const schema = await createTestSchema();
  const proxy = new LinkProxy(Number(new URL(PG_ADMIN_URL).port || 5432));
  await proxy.start();
  const viaProxy = new URL(PG_ADMIN_URL);
  viaProxy.port = String(proxy.port);
  const redis = await startRedis(null);
  const databaseUrl = new URL(urlWithSchema(viaProxy.toString(), schema.name));
  // A statement sent into the cut link fails after this long (the default, 10 s, is for production).
  databaseUrl.searchParams.set('query_timeout', '1500');
  const server = await startServer(null, {
    databaseUrl: databaseUrl.toString(),
    redisUrl: redis.url,
    redisPrefix: uniquePrefix(),
  });
  t.onTestFinished(async () => {
    proxy.restore();
    await server.close();
    await proxy.close();
    await redis.kill();
    await schema.drop();
  });
  const health = async () => {
    const res = await fetch(`${server.url}/api/health`);
    return { status: res.status, body: (await res.json()) as Health };
  };
  return { server, proxy, health };
}

describe('PostgreSQL briefly unreachable', () => {
  it('writes are refused with STORAGE_UNAVAILABLE while the link is cut, health says which dependency, and service resumes without a restart', async (t) => {
    const { server, proxy, health } = await serverBehindCutLink(t);
    const commander = await server.login('commander');
    expect(await health()).toMatchObject({
      status: 200,
      body: { status: 'ok', dependencies: { storage: { ready: true }, redis: { ready: true } } },
    });
    const fix = (i: number) =>
      traccarQuery(server.url, {
        id: 'demo-yuyue-01',
        lat: 30.5 + i / 1000,
        lon: 120,
        timestamp: epochSeconds(Date.now() - 60_000 + i * 1000),
      });
    const acknowledged: number[] = [];
    let i = 0;
    expect((await fix(++i)).status).toBe(200);
    acknowledged.push(i);

    proxy.cut();
    const refused = await fix(++i);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { code: 'STORAGE_UNAVAILABLE' } });
    const write = await api(server, commander.token, 'POST', '/api/operations', {
      name: '断链期间',
      kind: 'response',
      stations: ['deqing-yuyue'],
    });
    expect(write.status).toBe(503);
    expect(write.body).toMatchObject({ error: { code: 'STORAGE_UNAVAILABLE' } });
    const down = await health();
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({
      status: 'unavailable',
      dependencies: { storage: { ready: false }, redis: { ready: true } },
      error: { code: 'STORAGE_UNAVAILABLE', message: 'not ready: storage' },
    });
    // The reason (it names the database's host and port) is not told to anyone who asks.
    expect(down.body.dependencies.storage).toEqual({ ready: false });

    proxy.restore();
    // Back by itself: the same process, no restart.
    await until(async () => (await health()).status === 200, 20_000, 'health back');
    await until(
      async () => {
        const res = await fix(++i);
        if (res.status === 200) acknowledged.push(i);
        return res.status === 200;
      },
      20_000,
      'ingest back',
    );
    const created = await api<{ id: string }>(server, commander.token, 'POST', '/api/operations', {
      name: '恢复之后',
      kind: 'response',
      stations: ['deqing-yuyue'],
    });
    expect(created.status).toBe(201);
    // Every acknowledged fix is stored, and nothing refused is.
    const track = await server.ctx.storage.track('deqing-yuyue', 'yuyue-car-01', 0, Number.MAX_SAFE_INTEGER, 1000);
    expect(track.map((f) => f.lat).sort()).toEqual(acknowledged.map((n) => 30.5 + n / 1000).sort());
  });
});
