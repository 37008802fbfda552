import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import { login, startServer, tempDir, type TestServer } from '../helpers/server.ts';

/** A first start whose storage fails at its third account, as a disk or a crash would cut it short. */
function failingAtThirdAccount(dataDir: string): SqliteStorage {
  const storage = new SqliteStorage(dataDir);
  const upsert = storage.upsertAccount.bind(storage);
  let n = 0;
  storage.upsertAccount = async (account) => {
    if (++n === 3) throw new Error('disk I/O error (test)');
    return upsert(account);
  };
  return storage;
}

/** Random demo passwords (no DEMO_PASSWORD), as a site's first `npm start` makes them. */
const randomPasswords = { demoPassword: null };

/** Every login the start printed works, and `demo-logins.txt` holds the same ones. */
async function loginsWork(server: TestServer): Promise<void> {
  expect(server.demoLogins.map((l) => l.username)).toEqual(['commander', 'deqing', 'linping', 'tongxiang', 'wall']);
  for (const l of server.demoLogins) expect((await login(server.url, l.username, l.password)).user.name).toBe(l.name);
  const file = readFileSync(join(server.dataDir, 'demo-logins.txt'), 'utf8');
  expect(file.trim().split('\n')).toEqual(
    server.demoLogins.map((l) => `${l.username}\t${l.password}\t${l.role}\t${l.name}`),
  );
}

describe('a first start whose demo seed is cut short', () => {
  test('a seed that fails midway (accounts partly stored) is seeded again at the next start: its logins are printed, written and work', async (t) => {
    const dataDir = tempDir('jointmap-seed-');
    t.onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    await expect(
      startServer(null, { dataDir, ...randomPasswords }, { storage: failingAtThirdAccount }),
    ).rejects.toThrow(/disk I\/O error/);

    const server = await startServer(t, { dataDir, ...randomPasswords });
    await loginsWork(server);
    expect(await server.ctx.storage.getOperation('demo-tricounty')).not.toBeNull();

    // Seeded once: a later start creates nothing and leaves the logins as they are.
    await server.close();
    const again = await startServer(t, { dataDir, ...randomPasswords });
    expect(again.demoLogins).toEqual([]);
    const first = server.demoLogins[0]!;
    expect((await login(again.url, first.username, first.password)).user.role).toBe('commander');
  });

  test('a data directory where the logins cannot be written stops the start before any account is stored', async (t) => {
    const dataDir = tempDir('jointmap-seed-');
    t.onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    // A directory in the file's place: the write fails (EISDIR), even for root, whom modes do not stop.
    mkdirSync(join(dataDir, 'demo-logins.txt'));
    await expect(startServer(null, { dataDir, ...randomPasswords })).rejects.toThrow(/EISDIR/);

    rmSync(join(dataDir, 'demo-logins.txt'), { recursive: true });
    const server = await startServer(t, { dataDir, ...randomPasswords });
    await loginsWork(server);
  });
});
