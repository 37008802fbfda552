import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadAccountsFile } from '@jointmap/server/seed/accounts-file';
import type { AppContext } from '@jointmap/server/services/context';
import { DEMO_PASSWORD, login, startServer, tempDir, type Teardown, type TestServer } from '../helpers/server.ts';
import { createTestSchema } from '../helpers/pg-schema.ts';

interface FileAccount {
  username: string;
  name: string;
  role: string;
  stationId?: string;
  password: string;
}

const alice: FileAccount = {
  username: 'alice',
  name: 'Alice',
  role: 'dispatcher',
  stationId: 'zhili',
  password: 'old-password-1',
};
const bob: FileAccount = { username: 'bob', name: 'Bob', role: 'viewer', password: 'bob-password-1' };

/**
 * Restarts of a server on the same data (SQLite in one data dir, or one PostgreSQL schema), each
 * applying the accounts file as written at that moment. The first start also seeds the demo, so
 * accounts the file never listed are there too.
 */
async function restarts(t: Teardown, storage: 'sqlite' | 'postgres') {
  const dataDir = tempDir('jointmap-accounts-restart-');
  const file = join(dataDir, 'accounts.json');
  const schema = storage === 'postgres' ? await createTestSchema() : null;
  let server: TestServer | null = null;
  t.onTestFinished(async () => {
    await server?.close();
    await schema?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const write = (accounts: FileAccount[]) =>
    writeFileSync(
      file,
      JSON.stringify({ stations: [{ id: 'zhili', name: '织里', shortName: '织里', color: '#9333ea' }], accounts }),
    );
  const databaseUrl = schema ? { databaseUrl: schema.url } : {};
  // The demo is seeded only into an empty store, so it comes first, without the file.
  server = await startServer(null, { dataDir, ...databaseUrl });
  expect(server.ctx.storage.kind).toBe(storage);
  return {
    file,
    write,
    /** Stop the server and start it again, applying the file as it is now. */
    async restart(): Promise<TestServer> {
      await server!.close();
      server = await startServer(null, { dataDir, accountsFile: file, ...databaseUrl });
      return server;
    },
  };
}

async function rest(server: TestServer, token: string, path = '/api/operations', method = 'GET') {
  const res = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json().catch(() => null)) as { error?: { code: string } } | null;
  return { status: res.status, code: body?.error?.code };
}

const loginStatus = (server: TestServer, username: string, password: string) =>
  login(server.url, username, password).then(
    () => 200,
    (err: Error) => Number(/: (\d{3}) /.exec(err.message)?.[1]),
  );

describe.each(['sqlite', 'postgres'] as const)('accounts file across restarts (%s)', (storage) => {
  test('a restart with the same file keeps the stored hash and ends no session', async (t) => {
    const { write, restart } = await restarts(t, storage);
    write([alice, bob]);
    let server = await restart();
    const before = (await server.ctx.storage.getAccountByUsername('alice'))!;
    const token = (await server.login('alice', alice.password)).token;
    server = await restart();
    expect((await server.ctx.storage.getAccountByUsername('alice'))!.passwordHash).toBe(before.passwordHash);
    expect(await rest(server, token)).toEqual({ status: 200, code: undefined });
    expect((await rest(server, token, '/api/auth/renew', 'POST')).status).toBe(200);
    expect(await loginStatus(server, 'alice', alice.password)).toBe(200);
  });

  test('a new password in the file ends the sessions of that account only; the new password works', async (t) => {
    const { write, restart } = await restarts(t, storage);
    write([alice, bob]);
    let server = await restart();
    const aliceToken = (await server.login('alice', alice.password)).token;
    const bobToken = (await server.login('bob', bob.password)).token;
    write([{ ...alice, password: 'new-password-2' }, bob]);
    server = await restart();
    expect(await rest(server, aliceToken)).toEqual({ status: 401, code: 'SESSION_ENDED' });
    expect(await rest(server, aliceToken, '/api/auth/renew', 'POST')).toEqual({ status: 401, code: 'SESSION_ENDED' });
    expect(await loginStatus(server, 'alice', alice.password)).toBe(401);
    const fresh = await server.login('alice', 'new-password-2');
    expect(await rest(server, fresh.token)).toEqual({ status: 200, code: undefined });
    expect(await rest(server, bobToken)).toEqual({ status: 200, code: undefined });
  });

  test('an account the file no longer lists is disabled: its login and old tokens are refused', async (t) => {
    const { write, restart } = await restarts(t, storage);
    write([alice, bob]);
    let server = await restart();
    const bobToken = (await server.login('bob', bob.password)).token;
    const aliceToken = (await server.login('alice', alice.password)).token;
    // A demo account: the file never listed it, so it is not the file's to disable.
    const commanderToken = (await server.login('commander', DEMO_PASSWORD)).token;
    write([alice]);
    server = await restart();
    expect(await rest(server, bobToken)).toEqual({ status: 401, code: 'SESSION_ENDED' });
    expect(await loginStatus(server, 'bob', bob.password)).toBe(401);
    expect((await server.ctx.storage.getAccountByUsername('bob'))?.disabled).toBe(true);
    expect(await rest(server, aliceToken)).toEqual({ status: 200, code: undefined });
    expect(await rest(server, commanderToken)).toEqual({ status: 200, code: undefined });
    expect(await loginStatus(server, 'commander', DEMO_PASSWORD)).toBe(200);
    // Listed again, it is the file's again, and enabled.
    write([alice, bob]);
    server = await restart();
    expect(await loginStatus(server, 'bob', bob.password)).toBe(200);
  });
});

test('an account the file no longer lists is named in a warning, once', async (t) => {
  const dir = tempDir('jointmap-accounts-log-');
  t.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const server = await startServer(t);
  const file = join(dir, 'accounts.json');
  const warnings: string[] = [];
  const ctx: AppContext = {
    ...server.ctx,
    log: Object.assign(Object.create(server.ctx.log) as AppContext['log'], {
      warn: (_: unknown, message: string) => void warnings.push(message),
    }),
  };
  writeFileSync(file, JSON.stringify({ accounts: [bob, { ...bob, username: 'carol' }] }));
  expect(await loadAccountsFile(ctx, file)).toMatchObject({ accounts: 2, retired: [] });
  writeFileSync(file, JSON.stringify({ accounts: [] }));
  expect(await loadAccountsFile(ctx, file)).toMatchObject({ accounts: 0, retired: ['bob', 'carol'] });
  expect(warnings).toEqual([`accounts file ${file}: no longer lists bob, carol: disabled, their sessions ended`]);
  // Not the file's any more: the next start neither names them again nor touches the demo accounts.
  expect(await loadAccountsFile(ctx, file)).toMatchObject({ retired: [] });
  expect(warnings).toHaveLength(1);
  expect(await loginStatus(server, 'deqing', DEMO_PASSWORD)).toBe(200);
});
