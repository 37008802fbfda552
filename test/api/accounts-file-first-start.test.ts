import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { DEMO_OP, startServer, tempDir, type TestServer } from '../helpers/server.ts';

const status = (server: TestServer, username: string, password?: string) =>
  server.login(username, password).then(
    () => 200,
    (err: Error) => Number(/: (\d{3}) /.exec(err.message)?.[1]),
  );

test('a first start with SEED_DEMO and an accounts file seeds the demo beside the file, the file winning', async (t) => {
  const dir = tempDir('jointmap-accounts-first-');
  t.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'accounts.json');
  writeFileSync(
    file,
    JSON.stringify({
      stations: [{ id: 'wuxing-zhili', name: '织里派出所', shortName: '织里', color: '#9333ea' }],
      accounts: [
        {
          username: 'zhili',
          name: '织里值班民警',
          role: 'dispatcher',
          stationId: 'wuxing-zhili',
          password: 'zhili-pass-1',
        },
        // A demo login's name: the file's password is the one that signs in.
        { username: 'wall', name: '大屏', role: 'viewer', password: 'wall-pass-12' },
      ],
      // A tracker on a demo station: there to be named, as the demo is seeded first.
      devices: [{ id: 'yuyue-tracker-9', stationId: 'deqing-yuyue', label: '禹越 9' }],
    }),
  );
  // Before: the file's accounts made the store look seeded, so the demo was skipped without a word.
  const server = await startServer(t, { accountsFile: file, seedDemo: true });
  expect(server.demoLogins.map((l) => l.username).sort()).toEqual([
    'commander',
    'deqing',
    'linping',
    'tongxiang',
    'wall',
  ]);
  expect((await server.ctx.storage.getOperation(DEMO_OP))?.stations).toHaveLength(3);
  expect(await status(server, 'commander')).toBe(200);
  expect(await status(server, 'zhili', 'zhili-pass-1')).toBe(200);
  expect(await status(server, 'wall', 'wall-pass-12')).toBe(200);
  expect(await status(server, 'wall')).toBe(401);
  expect((await server.ctx.storage.getDevice('yuyue-tracker-9'))?.stationId).toBe('deqing-yuyue');

  // A restart on the same store seeds nothing more and applies the file again.
  await server.close();
  const again = await startServer(t, { dataDir: server.dataDir, accountsFile: file, seedDemo: true });
  expect(again.demoLogins).toEqual([]);
  expect(await status(again, 'zhili', 'zhili-pass-1')).toBe(200);
  expect(await status(again, 'commander')).toBe(200);
});
