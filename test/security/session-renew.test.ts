import { describe, expect, test } from 'vitest';
import { DEMO_OP, startServer, type TestServer } from '../helpers/server.ts';
import { openLive, openSync } from '../helpers/session-sockets.ts';
import { eventually } from '../helpers/sync-client.ts';

interface Renewed {
  token: string;
  issuedAt: number;
  expiresAt: number;
  user: { id: string; role: string };
}

async function post(server: TestServer, path: string, token: string) {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  return {
    status: res.status,
    body: (await res.json().catch(() => null)) as (Renewed & { error?: { code: string } }) | null,
  };
}

const sidOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { sid: string }).sid;

describe('POST /api/auth/renew', () => {
  test('gives a working token for the same session, with a full new life', async (t) => {
    const server = await startServer(t);
    const wall = await server.login('wall');
    await new Promise((r) => setTimeout(r, 1100)); // the new token's life starts a second later
    const { status, body } = await post(server, '/api/auth/renew', wall.token);
    expect(status).toBe(200);
    const renewed = body!;
    expect(renewed.token).not.toBe(wall.token);
    expect(sidOf(renewed.token)).toBe(sidOf(wall.token));
    expect(renewed.user).toMatchObject({ id: 'u-wall', role: 'viewer' });
    expect(renewed.expiresAt - renewed.issuedAt).toBe(30 * 86400 * 1000);
    expect(renewed.expiresAt).toBeGreaterThan((wall as unknown as Renewed).expiresAt);
    // REST, sync and socket.io accept it.
    const ops = await fetch(`${server.url}/api/operations`, { headers: { authorization: `Bearer ${renewed.token}` } });
    expect(ops.status).toBe(200);
    const sync = await openSync(t, server, `${DEMO_OP}/command`, renewed.token);
    const live = await openLive(t, server, DEMO_OP, renewed.token);
    expect(sync.isOpen && live.socket.connected).toBe(true);
    // Signing out with the renewed token ends the session: the first token is refused too.
    expect((await post(server, '/api/auth/logout', renewed.token)).status).toBe(204);
    await eventually(() => sync.closed !== null && live.socket.disconnected, 10_000, 'closed on sign-out');
    expect((await post(server, '/api/auth/renew', wall.token)).body?.error?.code).toBe('SESSION_ENDED');
  });

  test('is refused once the session was signed out or the account disabled', async (t) => {
    const server = await startServer(t);
    const a = await server.login('wall');
    expect((await post(server, '/api/auth/logout', a.token)).status).toBe(204);
    expect(await post(server, '/api/auth/renew', a.token)).toMatchObject({
      status: 401,
      body: { error: { code: 'SESSION_ENDED' } },
    });

    const b = await server.login('wall');
    const account = (await server.ctx.storage.getAccountByUsername('wall'))!;
    await server.ctx.storage.upsertAccount({ ...account, disabled: true });
    expect(await post(server, '/api/auth/renew', b.token)).toMatchObject({
      status: 401,
      body: { error: { code: 'SESSION_ENDED' } },
    });
  });

  test('is refused for an expired token', async (t) => {
    const server = await startServer(t);
    const account = (await server.ctx.storage.getAccountByUsername('deqing'))!;
    const { token } = await server.ctx.sessions.open(account, 1);
    await new Promise((r) => setTimeout(r, 2100));
    expect(await post(server, '/api/auth/renew', token)).toMatchObject({
      status: 401,
      body: { error: { code: 'TOKEN_EXPIRED' } },
    });
  });

  test('open connections stay up past the first token’s expiry once the session was renewed', async (t) => {
    const server = await startServer(t, { tokenTtlSeconds: 60 });
    const account = (await server.ctx.storage.getAccountByUsername('deqing'))!;
    const first = await server.ctx.sessions.open(account, 4);
    const sync = await openSync(t, server, `${DEMO_OP}/deqing-yuyue`, first.token);
    const live = await openLive(t, server, DEMO_OP, first.token);
    expect((await post(server, '/api/auth/renew', first.token)).status).toBe(200);
    await new Promise((r) => setTimeout(r, (first.claims.exp + 1) * 1000 - Date.now()));
    expect(sync.isOpen).toBe(true);
    expect(live.socket.connected).toBe(true);
    expect(sync.closed).toBeNull();
    expect(live.errors).toEqual([]);
  });
});
