import { describe, expect, test } from 'vitest';
import { hashPassword } from '@jointmap/server/auth/passwords';
import { DEMO_PASSWORD, startServer, type TestServer } from '../helpers/server.ts';

/**
 * An account changed while one of its logins is under way (after the login read it, before its
 * session is stored): storage ends only sessions that already exist, so the login must notice.
 */
async function loginRacing(server: TestServer, change: () => Promise<Record<string, unknown>>) {
  const storage = server.ctx.storage;
  const create = storage.createSession.bind(storage);
  const sids: string[] = [];
  storage.createSession = async (session) => {
    sids.push(session.id);
    const account = (await storage.getAccountByUsername('deqing'))!;
    await storage.upsertAccount({ ...account, ...(await change()) });
    return create(session);
  };
  try {
    const res = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'deqing', password: DEMO_PASSWORD }),
    });
    const body = (await res.json()) as { token?: string; error?: { code: string } };
    return { status: res.status, body, sids };
  } finally {
    storage.createSession = create;
  }
}

async function rest(server: TestServer, token: string, path: string, method = 'GET', body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.status;
}

describe('a login racing with a change of its account leaves no session', () => {
  const changes: Array<[string, () => Promise<Record<string, unknown>>]> = [
    ['disabled', async () => ({ disabled: true })],
    ['given another role', async () => ({ role: 'viewer' })],
    ['moved to another station', async () => ({ stationId: 'tongxiang-zhouquan' })],
    ['given another password', async () => ({ passwordHash: await hashPassword('another-pass-456') })],
  ];
  for (const [what, change] of changes) {
    test(what, async (t) => {
      const server = await startServer(t);
      const { status, body, sids } = await loginRacing(server, change);
      expect(sids).toHaveLength(1);
      // What a disabled account or a wrong password is told.
      expect([status, body.error?.code]).toEqual([401, 'UNAUTHENTICATED']);
      expect((await server.ctx.storage.getSession(sids[0]!))?.endedAt).not.toBeNull();
      // Had a token been handed out, it must not work (REST checks only the session).
      if (body.token) {
        expect(await rest(server, body.token, '/api/auth/me')).toBe(401);
        const unit = { stationId: 'deqing-yuyue', callsign: '竞态', kind: 'boat' };
        expect(await rest(server, body.token, '/api/operations/demo-tricounty/units', 'POST', unit)).toBe(401);
      }
    });
  }

  test('a login not raced with a change still works', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    expect(await rest(server, token, '/api/auth/me')).toBe(200);
  });
});
