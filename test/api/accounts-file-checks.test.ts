import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { hashPassword } from '@jointmap/server/auth/passwords';
import { loadAccountsFile } from '@jointmap/server/seed/accounts-file';
import { startServer, tempDir, type Teardown } from '../helpers/server.ts';

const SALT = Buffer.alloc(16, 7).toString('base64url');
const KEY = Buffer.alloc(32, 9).toString('base64url');

/** An accounts file of `accounts` and `devices` (demo station deqing-yuyue), in a dir of its own. */
function writeFile(t: Teardown, accounts: object[], devices: object[] = []): string {
  const dir = tempDir('jointmap-accounts-checks-');
  t.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'accounts.json');
  writeFileSync(file, JSON.stringify({ accounts, devices }));
  return file;
}

const viewer = (username: string, extra: object) => ({ username, name: username, role: 'viewer', ...extra });

describe('accounts file: entries refused at load', () => {
  test.for([
    // Needs 64 MiB: Node refuses it at every login (a 500), so nobody could sign in.
    [
      'N=65536',
      `scrypt$65536$8$1$${SALT}$${KEY}`,
      /accounts\[1\]\.passwordHash \(bob\): N=65536, r=8, p=1 needs 64 MiB/,
    ],
    ['no parameters', 'scrypt$abc', /accounts\[1\]\.passwordHash \(bob\): not of the form scrypt\$N\$r\$p\$salt\$hash/],
    [
      'not base64url',
      `scrypt$16384$8$1$${SALT}$not*base64`,
      /accounts\[1\]\.passwordHash \(bob\): salt and hash must be base64url/,
    ],
    ['p=64', `scrypt$16384$8$64$${SALT}$${KEY}`, /accounts\[1\]\.passwordHash \(bob\): .*costs more than four times/],
  ] as const)(
    'a passwordHash this server cannot verify (%s) stops the load, naming its path',
    async ([, hash, message], t) => {
      const server = await startServer(t);
      const file = writeFile(t, [viewer('alice', { password: 'alice-pass-1' }), viewer('bob', { passwordHash: hash })]);
      const error = await loadAccountsFile(server.ctx, file).then(
        () => null,
        (err: Error) => err.message,
      );
      expect(error).toMatch(message);
      expect(error).toContain(file);
      // Nothing applied: not even the good entry before it.
      expect(await server.ctx.storage.getAccountByUsername('alice')).toBeNull();
    },
  );

  test('a good passwordHash is taken, and its password signs in', async (t) => {
    const server = await startServer(t);
    const file = writeFile(t, [viewer('bob', { passwordHash: await hashPassword('bob-pass-123') })]);
    await loadAccountsFile(server.ctx, file);
    await expect(server.login('bob', 'bob-pass-123')).resolves.toMatchObject({ user: { role: 'viewer' } });
  });

  test('a user name listed twice is refused, naming both entries', async (t) => {
    const server = await startServer(t);
    const file = writeFile(t, [
      viewer('carol', { password: 'carol-pass-1' }),
      viewer('dave', { password: 'dave-pass-1' }),
      viewer('carol', { password: 'carol-pass-2' }),
    ]);
    await expect(loadAccountsFile(server.ctx, file)).rejects.toThrow(/accounts\[2\] \(carol\): repeats accounts\[0\]/);
    expect(await server.ctx.storage.getAccountByUsername('carol')).toBeNull();
  });

  test('a device id listed twice is refused, naming both entries', async (t) => {
    const server = await startServer(t);
    const file = writeFile(
      t,
      [],
      [
        { id: 'dup-1', stationId: 'deqing-yuyue', unitId: null },
        { id: 'dup-1', stationId: 'deqing-yuyue', unitId: 'yuyue-car-01' },
      ],
    );
    await expect(loadAccountsFile(server.ctx, file)).rejects.toThrow(/devices\[1\] \(dup-1\): repeats devices\[0\]/);
    expect(await server.ctx.storage.getDevice('dup-1')).toBeNull();
  });

  test('a server started with such a file does not start, and says why', async (t) => {
    const dataDir = tempDir('jointmap-accounts-checks-start-');
    t.onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const file = writeFile(t, [viewer('erin', { passwordHash: `scrypt$65536$8$1$${SALT}$${KEY}` })]);
    await expect(startServer(null, { dataDir, accountsFile: file })).rejects.toThrow(
      /accounts\[0\]\.passwordHash \(erin\): N=65536/,
    );
  });
});
