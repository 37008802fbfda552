import { describe, expect, test } from 'vitest';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';

/** The server's clock an answer states (`x-server-time`, epoch ms), read by the console's `httpClock`. */
function stated(res: Response): number {
  return Number(res.headers.get('x-server-time'));
}

describe('every answer states the server’s clock', () => {
  test('sign-in, the operation a console opens, a refusal and an unknown path carry x-server-time in ms', async (t) => {
    const server = await startServer(t);
    const before = Date.now();
    const signIn = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'commander', password: DEMO_PASSWORD }),
    });
    expect(signIn.status).toBe(200);
    const { token } = await server.login('commander');
    const auth = { authorization: `Bearer ${token}` };
    const answers = [
      signIn,
      await fetch(`${server.url}/api/operations/${DEMO_OP}`, { headers: auth }),
      await fetch(`${server.url}/api/operations/${DEMO_OP}/jurisdictions.geojson`, { headers: auth }),
      await fetch(`${server.url}/api/operations/${DEMO_OP}`),
      await fetch(`${server.url}/api/no-such-route`, { headers: auth }),
    ];
    const after = Date.now();
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 401, 404]);
    for (const res of answers) {
      // Same process, same clock: the stated time lies within the exchange, to the millisecond.
      expect(res.headers.get('x-server-time'), res.url).toMatch(/^\d+$/);
      expect(stated(res), res.url).toBeGreaterThanOrEqual(before);
      expect(stated(res), res.url).toBeLessThanOrEqual(after);
    }
  });

  test('an answer the browser keeps (the neighbouring counties, an hour) states no time: served later from the cache, it would be up to an hour behind', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('commander');
    const res = await fetch(`${server.url}/api/basemap/context.geojson`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    // Read to its end: a streamed body left unread keeps the connection, and the server's close waits on it.
    expect((await res.json()) as { type: string }).toMatchObject({ type: 'FeatureCollection' });
    expect(res.headers.get('cache-control')).toMatch(/max-age=3600/);
    expect(res.headers.get('x-server-time')).toBeNull();
  });
});
