import { describe, expect, it } from 'vitest';
import { epochSeconds, traccarQuery } from '../live/live-helpers.ts';
import { startPair } from './live-pair.ts';

async function loginAttempt(url: string, username: string, password: string) {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
}

describe('rate limits shared by two instances through Redis', () => {
  it('a tracker spreading its fixes over both instances gets its burst once, not once per instance', async (t) => {
    // No refill: the burst is all there is, whatever the test's pace.
    const { a, b } = await startPair(t, { ingestRatePerSecond: 0, ingestRateBurst: 4 });
    const send = (url: string, i: number) =>
      traccarQuery(url, {
        id: 'demo-yuyue-01',
        lat: 30.55,
        lon: 120.01,
        timestamp: epochSeconds(Date.now() - 60_000 + i * 1_000),
      });
    for (let i = 0; i < 4; i++) expect((await send(i % 2 ? b.url : a.url, i)).status).toBe(200);
    for (const [i, url] of [b.url, a.url].entries()) {
      const res = await send(url, 10 + i);
      expect(res.status).toBe(429);
      expect(await res.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // Nothing of the refused fixes was stored.
    expect((await a.ctx.storage.track('deqing-yuyue', 'yuyue-car-01', 0, Number.MAX_SAFE_INTEGER, 100)).length).toBe(4);
  });

  it('an address spraying unregistered device ids is limited across both instances', async (t) => {
    const { a, b } = await startPair(t, { ingestUnknownRateLimit: 2 });
    const send = (url: string, id: string) =>
      traccarQuery(url, { id, lat: 30.55, lon: 120.01, timestamp: epochSeconds() });
    expect((await send(a.url, 'nobody-1')).status).toBe(404);
    expect((await send(b.url, 'nobody-2')).status).toBe(404);
    const third = await send(a.url, 'nobody-3');
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
  });

  it('login attempts for one name count once across both instances', async (t) => {
    const { a, b } = await startPair(t, { loginRateLimit: 2 });
    expect((await loginAttempt(a.url, 'deqing', 'wrong-1')).status).toBe(401);
    expect((await loginAttempt(b.url, 'deqing', 'wrong-2')).status).toBe(401);
    const third = await loginAttempt(a.url, 'deqing', 'wrong-3');
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    // Another name from the same address still has its own attempts.
    expect((await loginAttempt(b.url, 'linping', 'wrong-1')).status).toBe(401);
  });

  it('login attempts from one address over many names count once across both instances', async (t) => {
    const { a, b } = await startPair(t, { loginAddressRateLimit: 3 });
    for (const [i, name] of ['n1', 'n2', 'n3'].entries()) {
      expect((await loginAttempt(i % 2 ? b.url : a.url, name, 'wrong')).status).toBe(401);
    }
    const fourth = await loginAttempt(b.url, 'n4', 'wrong');
    expect(fourth.status).toBe(429);
    expect(fourth.body).toMatchObject({ error: { code: 'RATE_LIMITED' } });
  });
});
