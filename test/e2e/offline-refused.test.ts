import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer, tempDir } from '../helpers/server.ts';
import { annotationsOf, drawLine, renderedAnnotationIds } from './map-actions.ts';

const DEQING = 'deqing-yuyue';
const badge = (p: Page) =>
  p.evaluate(() => {
    const el = document.querySelector('[data-testid=connection]');
    return { state: el?.getAttribute('data-state'), pending: el?.getAttribute('data-pending') };
  });

test('drawings made offline in an operation closed meanwhile are shown as refused (not sent), can be exported, and are dropped from the local copy once acknowledged', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  const browser = await launchBrowser(t);
  const a = await newContext(browser, { serviceWorker: true });
  const b = await newContext(browser, { serviceWorker: true });
  const [pa, pb] = await Promise.all([a.context.newPage(), b.context.newPage()]);
  await loginAs(pa, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await loginAs(pb, server.url, 'tongxiang', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  for (const p of [pa, pb]) {
    await waitForMap(p);
    await p.waitForSelector('[data-testid=connection][data-state=online]');
  }
  await pa.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, { timeout: 20_000 });
  const before = Object.keys(await annotationsOf(pb, DEQING)).sort();

  // 德清's link drops; it draws; meanwhile the commander closes the operation.
  await a.context.setOffline(true);
  await pa.waitForSelector('[data-testid=connection]:not([data-state=online])', { timeout: 20_000 });
  await drawLine(pa, [
    [120.05, 30.5],
    [120.15, 30.55],
  ]);
  const drawn = Object.keys(await annotationsOf(pa, DEQING)).filter((id) => !before.includes(id));
  expect(drawn).toHaveLength(1);
  await pa.waitForSelector('[data-testid=connection][data-pending="1"]');
  const commander = await server.login('commander');
  const closed = await fetch(`${server.url}/api/operations/${DEMO_OP}/close`, {
    method: 'POST',
    headers: { authorization: `Bearer ${commander.token}` },
  });
  expect(closed.status).toBe(200);

  // Back online: the edit is refused, not counted as sent; the notice is in Chinese only.
  await a.context.setOffline(false);
  const notice = pa.locator('[data-testid=refused]');
  await notice.waitFor({ timeout: 30_000 });
  expect(await notice.getAttribute('data-count')).toBe('1');
  await pa.waitForSelector('[data-testid=connection][data-state=online]', { timeout: 30_000 });
  expect(await badge(pa)).toEqual({ state: 'online', pending: '0' });
  const text = (await pa.locator('[data-testid=rejections]').textContent()) ?? '';
  expect(text).toContain('行动已结束，离线期间的 1 项修改未被接受');
  expect(text).not.toMatch(/[A-Za-z]{3,}/); // none of the server's English detail
  expect(Object.keys(await annotationsOf(pb, DEQING)).sort()).toEqual(before);
  await pa.locator('[data-testid=rejections]').screenshot({ path: 'test-results/offline-refused.png' });

  // Still there after a reload (a count kept with the copy), until acknowledged.
  await pa.reload();
  await waitForMap(pa);
  await notice.waitFor({ timeout: 30_000 });
  expect(await notice.getAttribute('data-count')).toBe('1');

  // The refused drawing can be kept as a file first.
  const [download] = await Promise.all([pa.waitForEvent('download'), pa.click('[data-testid=refused-export]')]);
  const file = join(tempDir('refused-export-'), download.suggestedFilename());
  await download.saveAs(file);
  const exported = JSON.parse(readFileSync(file, 'utf8')) as GeoJSON.FeatureCollection;
  expect(exported.features.map((f) => f.id)).toEqual(drawn);
  expect(exported.features[0]!.geometry.type).toBe('LineString');

  // Acknowledged: the local copy is dropped and the map shows what everyone else sees, for good.
  await Promise.all([pa.waitForEvent('load'), pa.click('[data-testid=refused-acknowledge]')]);
  await waitForMap(pa);
  await pa.waitForSelector('[data-testid=connection][data-state=online]', { timeout: 30_000 });
  await expect
    .poll(async () => Object.keys(await annotationsOf(pa, DEQING)).sort(), { timeout: 10_000 })
    .toEqual(before);
  expect(await pa.locator('[data-testid=refused]').count()).toBe(0);
  expect(await renderedAnnotationIds(pa)).not.toContain(drawn[0]);
  await pa.reload();
  await waitForMap(pa);
  await pa.waitForSelector('[data-testid=connection][data-state=online]', { timeout: 30_000 });
  expect(Object.keys(await annotationsOf(pa, DEQING)).sort()).toEqual(before);
  expect(await pa.locator('[data-testid=rejections]').count()).toBe(0);
});
