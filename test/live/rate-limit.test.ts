import { describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.ts';
import { epochSeconds, stored, traccarQuery } from './live-helpers.ts';

describe('ingest rate limit per device', () => {
  it('refuses fixes beyond the burst with 429 RATE_LIMITED and Retry-After; other devices are unaffected', async (t) => {
    const server = await startServer(t, { ingestRatePerSecond: 1, ingestRateBurst: 3 });
    const base = Date.now() - 60_000;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await traccarQuery(server.url, {
        id: 'demo-yuyue-01',
        lat: 30.5,
        lon: 120.3,
        timestamp: epochSeconds(base + i * 1000),
      });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(await res.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
    }
    // Three in the burst; at most one more token refilled in the (sub-second) time the loop took.
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    const accepted = statuses.filter((s) => s === 200).length;
    expect((await stored(server, 'deqing-yuyue', 'yuyue-car-01')).track).toHaveLength(accepted);

    const other = await traccarQuery(server.url, {
      id: 'demo-yuyue-02',
      lat: 30.5,
      lon: 120.3,
      timestamp: epochSeconds(),
    });
    expect(other.status).toBe(200);
  });
});
