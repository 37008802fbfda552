import { rmSync } from 'node:fs';
import { expect, test } from 'vitest';
import { buildApp } from '@jointmap/server';
import { defaultConfig } from '@jointmap/server/config';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, tempDir } from '../helpers/server.ts';
import { annotationsOf, drawLine, renderedAnnotationIds, type PageHooks } from './map-actions.ts';

/** A real server on a fixed port, so that it can be stopped and started again under pages. */
async function serverOn(dataDir: string, port: number) {
  const built = await buildApp(
    defaultConfig({ port, dataDir, demoPassword: DEMO_PASSWORD, logLevel: 'silent', simulate: false }),
    {
      logger: false,
    },
  );
  await built.app.listen({ port, host: '127.0.0.1' });
  const addr = built.app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return { app: built.app, port: addr.port, url: `http://127.0.0.1:${addr.port}` };
}

const LINE: Array<[number, number]> = [
  [120.05, 30.5],
  [120.15, 30.55],
  [120.2, 30.62],
];

test('a station whose link drops keeps drawing, survives a reload, and its drawing reaches the others on reconnect', async (t) => {
  assertClientBuilt();
  const dataDir = tempDir();
  let server = await serverOn(dataDir, 0);
  t.onTestFinished(async () => {
    await server.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const browser = await launchBrowser(t);
  const a = await newContext(browser, { serviceWorker: true });
  const b = await newContext(browser, { serviceWorker: true });
  const w = await newContext(browser, { viewport: { width: 1600, height: 900 }, serviceWorker: true });
  const [pa, pb, pw] = await Promise.all([a.context.newPage(), b.context.newPage(), w.context.newPage()]);
  await loginAs(pa, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await loginAs(pb, server.url, 'tongxiang', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await loginAs(pw, server.url, 'wall', DEMO_PASSWORD, `#/wall/${DEMO_OP}`);
  for (const p of [pa, pb, pw]) {
    await waitForMap(p);
    await p.waitForSelector('[data-testid=connection][data-state=online]');
  }
  // Let the service worker take control so a reload without a server still opens the page.
  await pa.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, { timeout: 20_000 });

  // The server goes away: every page notices, none stops working.
  await server.app.close();
  await pa.waitForSelector('[data-testid=connection][data-state=offline]', { timeout: 20_000 });
  await pw.waitForSelector('[data-testid=connection]:not([data-state=online])');

  await drawLine(pa, LINE);
  const drawn = Object.values(await annotationsOf(pa, 'deqing-yuyue'));
  expect(drawn).toHaveLength(1);
  const line = drawn[0]!;
  await pa.waitForSelector('[data-testid=pending]');
  expect(Number(await pa.getAttribute('[data-testid=connection]', 'data-pending'))).toBeGreaterThan(0);

  // A reload with the server still down shows the last state (IndexedDB + cached shell and data).
  await pa.reload();
  await waitForMap(pa);
  await pa.waitForFunction(
    (id) => !!(window as unknown as PageHooks).jointmap?.session.annotations.get('deqing-yuyue', id),
    line.id,
  );
  await expect.poll(() => renderedAnnotationIds(pa), { timeout: 10_000 }).toContain(`deqing-yuyue/${line.id}`);
  expect(Number(await pa.getAttribute('[data-testid=connection]', 'data-pending'))).toBeGreaterThan(0);

  // The server comes back on the same address: everyone reconnects by themselves and converges.
  server = await serverOn(dataDir, server.port);
  await pa.waitForSelector('[data-testid=connection][data-state=online][data-pending="0"]', { timeout: 30_000 });
  for (const p of [pb, pw]) {
    await p.waitForFunction(
      (id) => !!(window as unknown as PageHooks).jointmap?.session.annotations.get('deqing-yuyue', id),
      line.id,
      { timeout: 30_000 },
    );
    await expect.poll(() => renderedAnnotationIds(p), { timeout: 10_000 }).toContain(`deqing-yuyue/${line.id}`);
  }
  expect((await annotationsOf(pb, 'deqing-yuyue'))[line.id]).toEqual(line);
  await pw.waitForSelector('[data-testid=connection][data-state=online]', { timeout: 30_000 });
  expect([...a.guard.outside, ...b.guard.outside, ...w.guard.outside]).toEqual([]);
});
