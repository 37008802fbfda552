import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { startServer } from '../helpers/server.ts';

/** A built client of `assets` hashed files, an index page and a service worker. */
function builtClient(assets: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-client-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>联勤图</title>');
  writeFileSync(join(dir, 'sw.js'), 'self.addEventListener("fetch", () => {});');
  for (let i = 0; i < assets; i++) writeFileSync(join(dir, 'assets', `chunk-${i}.js`), `export const n = ${i};`);
  return dir;
}

test('the built client is served (page, service worker, every asset) from routes that do not grow with its files', async (t) => {
  const counts: number[] = [];
  for (const assets of [10, 300]) {
    const clientDir = builtClient(assets);
    t.onTestFinished(() => rmSync(clientDir, { recursive: true, force: true }));
    const server = await startServer(t, { clientDir });
    const page = await fetch(`${server.url}/`);
    expect([page.status, await page.text()]).toEqual([200, '<!doctype html><title>联勤图</title>']);
    expect((await fetch(`${server.url}/sw.js`)).headers.get('content-type')).toMatch(/javascript/);
    const last = await fetch(`${server.url}/assets/chunk-${assets - 1}.js`);
    expect([last.status, await last.text()]).toEqual([200, `export const n = ${assets - 1};`]);
    const missing = await fetch(`${server.url}/assets/chunk-${assets}.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    counts.push(server.app.printRoutes({ commonPrefix: false }).split('\n').length);
  }
  expect(counts[1]).toBe(counts[0]);
});
