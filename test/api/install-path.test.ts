import { cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { login, spawnServer, tempDir } from '../helpers/server.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The server's production build (made fresh by test/server-build.global.ts), demo data and a
 * stand-in client copied under a directory whose name has a space and Chinese characters, with
 * the checkout's node_modules linked in (better-sqlite3 and its workers load from there).
 */
function installUnder(name: string): string {
  const root = join(tempDir('jointmap-install-'), name);
  for (const part of ['server/dist', 'server/demo-data', 'server/package.json'])
    cpSync(join(repo, part), join(root, part), { recursive: true });
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
  symlinkSync(join(repo, 'server/node_modules'), join(root, 'server/node_modules'));
  mkdirSync(join(root, 'client/dist/assets'), { recursive: true });
  writeFileSync(join(root, 'client/dist/index.html'), '<!doctype html><title>联勤图</title>');
  return root;
}

test('a server installed under a directory named with a space and Chinese finds its client and demo data', async (t) => {
  const root = installUnder('联勤 图');
  t.onTestFinished(() => rmSync(join(root, '..'), { recursive: true, force: true }));
  const server = await spawnServer(join(root, 'data'), {}, { bundle: join(root, 'server/dist/server.mjs'), cwd: root });
  t.onTestFinished(() => server.kill());
  const { url } = server;
  // Before: "The web client is not built" and a 500, the paths still read "%E8%81%94%E5%8B%A4%20…".
  const page = await fetch(`${url}/`);
  expect([page.status, await page.text()]).toEqual([200, '<!doctype html><title>联勤图</title>']);
  const { token } = await login(url, 'commander');
  const context = await fetch(`${url}/api/basemap/context.geojson`, { headers: { authorization: `Bearer ${token}` } });
  expect(context.status).toBe(200);
  expect(((await context.json()) as { type: string }).type).toBe('FeatureCollection');
}, 60_000);
