import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import type { Annotation } from '@jointmap/shared';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';
import { DEQING } from '../helpers/tasks.ts';
import { clickHeaderEntry } from './header-menu.ts';

const kml = readFileSync(new URL('../interop/fixtures/google-earth.kml', import.meta.url), 'utf8');

test('a dispatcher drops a Google Earth KML on the map, previews it, imports it into the station’s document, and exports the annotations as KML', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  const other = await connectClient(t, server.wsUrl, `${DEMO_OP}/${DEQING}`, (await server.login('linping')).token);
  const before = other.doc.getMap('annotations').size;
  const browser = await launchBrowser(t);
  const { context, guard } = await newContext(browser);
  const page = await context.newPage();
  await loginAs(page, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(page);

  // Drop the file onto the map as a browser does (a DataTransfer carrying a File).
  await page.evaluate((text) => {
    const data = new DataTransfer();
    data.items.add(new File([text], '禹越镇搜寻区域.kml', { type: 'application/vnd.google-earth.kml+xml' }));
    const target = document.querySelector('[data-testid=map]')!;
    for (const type of ['dragover', 'drop'])
      target.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
  }, kml);
  const dialog = page.locator('[data-testid=import-dialog]');
  await dialog.waitFor();
  await expect.poll(() => page.locator('[data-testid=import-summary]').textContent()).toContain('将导入 3 个标注');
  expect(await dialog.textContent()).toContain('禹越镇搜寻区域.kml');
  // The preview is on the map and nothing is in the document yet.
  await expect
    .poll(() =>
      page.evaluate(() => {
        const map = (window as unknown as { jointmapMap: { querySourceFeatures(id: string): unknown[] } }).jointmapMap;
        return map.querySourceFeatures('import-preview').length > 0;
      }),
    )
    .toBe(true);
  await page.screenshot({ path: 'test-results/import-preview.png' });
  expect(other.doc.getMap('annotations').size).toBe(before);

  await page.click('[data-testid=import-apply]');
  await page.locator('[data-testid=import-done]').waitFor();
  await eventually(() => other.doc.getMap('annotations').size === before + 3, 10_000, 'the import at 临平');
  const labels = [...other.doc.getMap<Annotation>('annotations').values()].map((a) => a.label);
  expect(labels).toEqual(expect.arrayContaining(['目击点：蓝色三轮车', '可能路线', '重点搜寻区']));

  // Export: the station's annotations as KML, with the imported names in it.
  await clickHeaderEntry(page, 'interop-open');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-testid=export-annotations-kml]'),
  ]);
  expect(download.suggestedFilename()).toMatch(/\.kml$/);
  const exported = readFileSync((await download.path())!, 'utf8');
  for (const label of ['目击点：蓝色三轮车', '可能路线', '重点搜寻区']) expect(exported).toContain(label);
  expect(guard.outside).toEqual([]);
});
