import { describe, expect, it } from 'vitest';
import { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import { startServer, type TestServer } from '../helpers/server.ts';
import { rawPost, stored } from './live-helpers.ts';

const DEQING = 'deqing-yuyue';

/** A Traccar Client SDK JSON upload: several fixes of one device in one request. */
function batch(server: TestServer, deviceId: string, count: number, base: number) {
  const fixes = Array.from({ length: count }, (_, i) => ({
    id: deviceId,
    lat: 30.5 + i / 10_000,
    lon: 120.3,
    timestamp: String(Math.floor((base + i * 1000) / 1000)),
  }));
  return rawPost(server.url, 'application/json', JSON.stringify(fixes));
}

async function counter(server: TestServer, name: string): Promise<number> {
  const metric = server.ctx.metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);
}

function fromAddress(server: TestServer, address: string, id: string) {
  return fetch(`${server.url}/api/positions/osmand?id=${id}&lat=30.5&lon=120.3`, {
    method: 'POST',
    headers: { 'x-forwarded-for': address },
  });
}

describe('position ingest limits', () => {
  it('charges the per-device bucket per fix, not per request; other trackers keep reporting', async (t) => {
    // No refill (0 per second), so what passes depends on the fixes sent, not on how fast.
    const server = await startServer(t, { ingestRatePerSecond: 0, ingestRateBurst: 10 });
    const base = Date.now() - 120_000;

    const first = await batch(server, 'demo-yuyue-01', 8, base);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ received: 8, stored: 8 });
    // A second request of 8 would fit a per-request limit (2 of 10); per fix it is 16 of 10.
    const second = await batch(server, 'demo-yuyue-01', 8, base + 10_000);
    expect(second.status).toBe(429);
    expect(await second.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // What is left (2) still passes; nothing of the refused batch was stored.
    expect((await batch(server, 'demo-yuyue-01', 2, base + 30_000)).status).toBe(200);
    expect((await batch(server, 'demo-yuyue-01', 1, base + 40_000)).status).toBe(429);
    expect((await stored(server, DEQING, 'yuyue-car-01')).track).toHaveLength(10);
    expect(await counter(server, 'jointmap_positions_rate_limited_fixes_total')).toBe(9);

    // Meanwhile another tracker is served as usual.
    const other = await batch(server, 'demo-yuyue-02', 10, base);
    expect(other.status).toBe(200);
    expect((await stored(server, DEQING, 'yuyue-foot-02')).track).toHaveLength(10);
  });

  it('a batch larger than the burst passes from a full bucket and leaves it in debt', async (t) => {
    const server = await startServer(t, { ingestRatePerSecond: 0, ingestRateBurst: 5 });
    const base = Date.now() - 120_000;
    expect((await batch(server, 'demo-yuyue-01', 20, base)).status).toBe(200);
    expect((await batch(server, 'demo-yuyue-01', 1, base + 30_000)).status).toBe(429);
    expect((await stored(server, DEQING, 'yuyue-car-01')).track).toHaveLength(20);
  });

  it('limits requests for unregistered device ids per address, without lookups; registered trackers are unaffected', async (t) => {
    let lookups = 0;
    const server = await startServer(
      t,
      { trustProxy: true, ingestUnknownRateLimit: 5 },
      {
        storage: (dir) => {
          const storage = new SqliteStorage(dir);
          const getDevice = storage.getDevice.bind(storage);
          storage.getDevice = (id) => {
            if (id.startsWith('spray-')) lookups++;
            return getDevice(id);
          };
          return storage;
        },
      },
    );
    const sprayer = '10.0.0.66';
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await fromAddress(server, sprayer, `spray-${i}`);
      statuses.push(res.status);
      const body = (await res.json()) as { error: { code: string } };
      expect(body.error.code).toBe(res.status === 404 ? 'NOT_FOUND' : 'RATE_LIMITED');
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // Five lookups (the allowance), then refusals that cost no storage read. (A token refills every
    // 12 s, so a very slow run may see one more lookup.)
    expect(statuses.slice(0, 5)).toEqual([404, 404, 404, 404, 404]);
    const limited = statuses.filter((s) => s === 429).length;
    expect(limited).toBeGreaterThanOrEqual(14);
    expect(statuses.filter((s) => s === 404)).toHaveLength(lookups);
    expect(await counter(server, 'jointmap_positions_unknown_device_limited_total')).toBe(limited);

    // Meanwhile: a registered tracker behind the same address reports as usual, and another
    // address still gets its own answer for an unknown id.
    const own = await fromAddress(server, sprayer, 'demo-yuyue-01');
    expect(own.status).toBe(200);
    expect((await stored(server, DEQING, 'yuyue-car-01')).track).toHaveLength(1);
    expect((await fromAddress(server, '10.0.0.77', 'spray-x')).status).toBe(404);
    // Nothing of the refused requests was stored.
    expect((await server.ctx.storage.latestPositions()).map((p) => p.deviceId)).toEqual(['demo-yuyue-01']);
  });
});
