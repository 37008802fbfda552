import { describe, expect, test } from 'vitest';
import { SyncCloseCode } from '@jointmap/shared';
import { DEMO_OP, startServer, type Teardown, type TestServer } from '../helpers/server.ts';
import { rawSync } from '../helpers/raw-socket.ts';
import { openLive, openSync } from '../helpers/session-sockets.ts';
import { eventually } from '../helpers/sync-client.ts';

/** Generous: the server must act within a second; a loaded machine may add some. */
const WAIT_MS = 10_000;

async function rest(server: TestServer, token: string, path = '/api/operations', method = 'GET') {
  const res = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json().catch(() => null)) as { error?: { code: string } } | null;
  return { status: res.status, code: body?.error?.code };
}

/**
 * `deqing` with a sync socket and a socket.io connection open, and `linping` (another account)
 * with the same: what ends deqing's session must leave linping's alone.
 */
async function twoUsers(t: Teardown, server: TestServer) {
  const deqing = await server.login('deqing');
  const linping = await server.login('linping');
  return {
    deqing: {
      token: deqing.token,
      sync: await openSync(t, server, `${DEMO_OP}/deqing-yuyue`, deqing.token),
      live: await openLive(t, server, DEMO_OP, deqing.token),
    },
    linping: {
      token: linping.token,
      sync: await openSync(t, server, `${DEMO_OP}/linping-yunhe`, linping.token),
      live: await openLive(t, server, DEMO_OP, linping.token),
    },
  };
}

type Users = Awaited<ReturnType<typeof twoUsers>>;

/** deqing's session is over everywhere, with a coded reason; linping's is untouched. */
async function expectDeqingEnded(server: TestServer, users: Users) {
  const { deqing, linping } = users;
  await eventually(() => deqing.sync.closed !== null, WAIT_MS, 'sync socket closed');
  expect(deqing.sync.closed).toEqual({ code: SyncCloseCode.unauthenticated, reason: 'SESSION_ENDED' });
  expect(deqing.sync.codes).toEqual(['SESSION_ENDED']);
  await eventually(() => deqing.live.socket.disconnected, WAIT_MS, 'socket.io closed');
  expect(deqing.live.errors.map((e) => e.code)).toEqual(['SESSION_ENDED']);
  expect(deqing.live.disconnectReason).toBe('io server disconnect');
  expect(await rest(server, deqing.token)).toEqual({ status: 401, code: 'SESSION_ENDED' });
  // A new socket with the old token is refused too.
  expect(await rawSync(`${server.wsUrl}/sync/${DEMO_OP}/deqing-yuyue?token=${deqing.token}`)).toEqual({
    closeCode: SyncCloseCode.unauthenticated,
    codes: ['SESSION_ENDED'],
  });

  expect(linping.sync.isOpen).toBe(true);
  expect(linping.live.socket.connected).toBe(true);
  expect(linping.live.errors).toEqual([]);
  expect((await rest(server, linping.token)).status).toBe(200);
}

async function changeDeqing(server: TestServer, change: Record<string, unknown>) {
  const account = (await server.ctx.storage.getAccountByUsername('deqing'))!;
  await server.ctx.storage.upsertAccount({ ...account, ...change });
}

describe('a session ends everywhere at once', () => {
  test('sign-out (POST /api/auth/logout): REST, open sync sockets and socket.io', async (t) => {
    const server = await startServer(t);
    const users = await twoUsers(t, server);
    // Another session of the same account (a second browser) is not signed out.
    const second = await server.login('deqing');
    expect((await rest(server, users.deqing.token, '/api/auth/logout', 'POST')).status).toBe(204);
    await expectDeqingEnded(server, users);
    expect((await rest(server, second.token)).status).toBe(200);
    // Signing out twice: the token is already refused.
    expect(await rest(server, users.deqing.token, '/api/auth/logout', 'POST')).toEqual({
      status: 401,
      code: 'SESSION_ENDED',
    });
  });

  test('disabling the account', async (t) => {
    const server = await startServer(t);
    const users = await twoUsers(t, server);
    await changeDeqing(server, { disabled: true });
    await expectDeqingEnded(server, users);
  });

  test('giving the account another role', async (t) => {
    const server = await startServer(t);
    const users = await twoUsers(t, server);
    await changeDeqing(server, { role: 'viewer' });
    await expectDeqingEnded(server, users);
    // Signing in again gives a session with the new role.
    expect((await server.login('deqing')).user.role).toBe('viewer');
  });

  test('moving the account to another station', async (t) => {
    const server = await startServer(t);
    const users = await twoUsers(t, server);
    await changeDeqing(server, { stationId: 'tongxiang-zhouquan' });
    await expectDeqingEnded(server, users);
  });

  test('a signed-out token stays refused after a restart on the same data dir; others stay valid', async (t) => {
    const first = await startServer(t);
    const gone = await first.login('deqing');
    const kept = await first.login('linping');
    expect((await rest(first, gone.token, '/api/auth/logout', 'POST')).status).toBe(204);
    await first.close();
    const again = await startServer(t, { dataDir: first.dataDir });
    expect(await rest(again, gone.token)).toEqual({ status: 401, code: 'SESSION_ENDED' });
    expect((await rest(again, kept.token)).status).toBe(200);
  });

  test('an open sync socket and socket.io connection close with TOKEN_EXPIRED when the session expires', async (t) => {
    const server = await startServer(t);
    const account = (await server.ctx.storage.getAccountByUsername('wall'))!;
    const { token } = await server.ctx.sessions.open(account, 4);
    const sync = await openSync(t, server, `${DEMO_OP}/command`, token);
    const live = await openLive(t, server, DEMO_OP, token);
    await eventually(() => sync.closed !== null && live.socket.disconnected, WAIT_MS, 'both closed');
    expect(sync.closed).toEqual({ code: SyncCloseCode.unauthenticated, reason: 'TOKEN_EXPIRED' });
    expect(live.errors.map((e) => e.code)).toEqual(['TOKEN_EXPIRED']);
    expect(await rest(server, token)).toEqual({ status: 401, code: 'TOKEN_EXPIRED' });
  });
});
