import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';
import { annotationsOf, drawLine, renderedAnnotationIds, type PageHooks } from './map-actions.ts';

const shots = fileURLToPath(new URL('../../test-results/', import.meta.url));
const STATION = 'deqing-yuyue';

test("edits made offline that the browser's storage refused are shown as unstored until a later write stores the whole copy", async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  const browser = await launchBrowser(t);
  const { context } = await newContext(browser, { serviceWorker: true });
  const page = await context.newPage();
  await loginAs(page, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(page);
  await page.waitForSelector('[data-testid=connection][data-state=online]');
  await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, { timeout: 20_000 });

  await server.close();
  await page.waitForSelector('[data-testid=connection][data-state=offline]', { timeout: 20_000 });

  // The browser's storage refuses writes (as when full: Chromium's quota override is not honoured
  // headless, so every write transaction is aborted as a full disk would abort it).
  await page.evaluate(() => {
    const add = IDBObjectStore.prototype.add;
    (window as unknown as { storageFull: boolean }).storageFull = true;
    IDBObjectStore.prototype.add = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['add']>) {
      const req = add.apply(this, args);
      if ((window as unknown as { storageFull: boolean }).storageFull) this.transaction.abort();
      return req;
    };
  });
  const cdp = await context.newCDPSession(page);
  await drawLine(page, [
    [120.05, 30.5],
    [120.15, 30.55],
  ]);
  const first = Object.values(await annotationsOf(page, STATION))[0]!;
  await page.waitForSelector('[data-testid=unstored]', { timeout: 10_000 });
  expect(await page.textContent('[data-testid=unstored]')).toBe('1 项未存入本机');
  expect(await page.getAttribute('[data-testid=unstored]', 'title')).toContain('请勿刷新');
  expect(await page.getAttribute('[data-testid=connection]', 'data-pending')).toBe('1');
  mkdirSync(shots, { recursive: true });
  writeFileSync(
    `${shots}offline-storage-full.png`,
    Buffer.from(((await cdp.send('Page.captureScreenshot')) as { data: string }).data, 'base64'),
  );
  // Signing out now would lose it: the confirmation says so.
  let asked = '';
  page.once('dialog', (d) => {
    asked = d.message();
    void d.dismiss();
  });
  await page.getByRole('button', { name: '退出' }).click();
  await expect.poll(() => asked).toContain('其中 1 项未能存入本工作站');
  // So would going to the operation list (a link within the page: no unload): asked, and stayed.
  asked = '';
  page.once('dialog', (d) => {
    asked = d.message();
    void d.dismiss();
  });
  await page.click('header a.home');
  await expect.poll(() => asked).toContain('有 1 项修改未能存入本机，离开此页面将丢失');
  // The link moved the hash before the question; the refusal moves it back (a history step).
  await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/op/${DEMO_OP}`);
  await page.waitForSelector('[data-testid=unstored]');
  // And the browser's Back: asked, and stayed (the page before it is still there for later).
  asked = '';
  page.once('dialog', (d) => {
    asked = d.message();
    void d.dismiss();
  });
  await page.evaluate(() => history.back());
  await expect.poll(() => asked).toContain('离开此页面将丢失');
  await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/op/${DEMO_OP}`);
  await page.waitForSelector('[data-testid=unstored]');

  // Room again: the next try stores the whole document, the first line with it (soon after an edit).
  await page.evaluate(() => ((window as unknown as { storageFull: boolean }).storageFull = false));
  await drawLine(page, [
    [120.1, 30.6],
    [120.2, 30.62],
  ]);
  await page.waitForSelector('[data-testid=unstored]', { state: 'detached', timeout: 10_000 });
  expect(await page.getAttribute('[data-testid=connection]', 'data-pending')).toBe('2');

  // Still without the server, a reload shows both lines from the stored copy.
  await page.reload();
  await waitForMap(page);
  await page.waitForFunction(
    ([scope, id]) => !!(window as unknown as PageHooks).jointmap?.session.annotations.get(scope, id),
    [STATION, first.id] as const,
  );
  expect(Object.keys(await annotationsOf(page, STATION))).toHaveLength(2);
  await expect.poll(() => renderedAnnotationIds(page), { timeout: 10_000 }).toContain(`${STATION}/${first.id}`);
});
