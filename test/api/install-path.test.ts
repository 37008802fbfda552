import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { SERVER_NODE_ARGS, serverEnv } from '../../scripts/server-launch.mjs';
import { DEMO_PASSWORD, login, tempDir } from '../helpers/server.ts';

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
  const child = spawn(process.execPath, [...SERVER_NODE_ARGS, join(root, 'server/dist/server.mjs')], {
    cwd: root,
    env: serverEnv({
      ...process.env,
      DATA_DIR: join(root, 'data'),
      PORT: '0',
      LOG_LEVEL: 'warn',
      SIMULATE: '0',
      DEMO_PASSWORD,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.onTestFinished(() => {
    child.kill('SIGKILL');
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 90 s:\n${out}`)), 90_000);
    const read = (d: Buffer) => {
      out += d.toString();
      const m = /running: (http:\/\/[^/\s]+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => reject(new Error(`server exited (${code}):\n${out}`)));
  });
  // Before: "The web client is not built" and a 500, the paths still read "%E8%81%94%E5%8B%A4%20…".
  const page = await fetch(`${url}/`);
  expect([page.status, await page.text()]).toEqual([200, '<!doctype html><title>联勤图</title>']);
  const { token } = await login(url, 'commander');
  const context = await fetch(`${url}/api/basemap/context.geojson`, { headers: { authorization: `Bearer ${token}` } });
  expect(context.status).toBe(200);
  expect(((await context.json()) as { type: string }).type).toBe('FeatureCollection');
}, 60_000);
