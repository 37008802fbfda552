import { expect, test } from 'vitest';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { LinkProxy } from '../helpers/link-proxy.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';
import { annotationsOf, drawLine, renderedAnnotationIds, type PageHooks } from './map-actions.ts';

const STATION = 'deqing-yuyue';
/** Bounds a hung page only: the kept shell opens after 3 s, the kept data after 5 s more. */
const BOUND = { timeout: 30_000 };

test('a reload during a silent cut (nothing fails, nothing arrives) opens the offline copy instead of hanging', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  const proxy = new LinkProxy(Number(new URL(server.url).port));
  await proxy.start();
  t.onTestFinished(() => proxy.close());
  const browser = await launchBrowser(t);
  const { context, guard } = await newContext(browser, { serviceWorker: true });
  const page = await context.newPage();
  await loginAs(page, proxy.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(page);
  await page.waitForSelector('[data-testid=connection][data-state=online]');
  await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, { timeout: 20_000 });
  const before = Object.keys(await annotationsOf(page, STATION));
  await drawLine(page, [
    [120.05, 30.5],
    [120.15, 30.55],
  ]);
  const drawn = Object.keys(await annotationsOf(page, STATION)).filter((a) => !before.includes(a));
  expect(drawn).toHaveLength(1);
  const id = drawn[0]!;
  await page.waitForSelector('[data-testid=connection][data-pending="0"]');

  // The link goes dead without closing anything: the reload's requests are accepted and never answered.
  proxy.cut();
  await page.reload({ waitUntil: 'commit', ...BOUND });
  await page.waitForSelector('[data-testid=map][data-loaded=true]', BOUND);
  const fromCache = await page.evaluate(
    () =>
      (window as unknown as { jointmap?: { session: { data: { fromCache: boolean } } } }).jointmap?.session.data
        .fromCache,
  );
  expect(fromCache).toBe(true);
  await page.waitForFunction(
    (a) => !!(window as unknown as PageHooks).jointmap?.session.annotations.get('deqing-yuyue', a),
    id,
    BOUND,
  );
  await expect.poll(() => renderedAnnotationIds(page), BOUND).toContain(`${STATION}/${id}`);
  await page.waitForSelector('[data-testid=connection]:not([data-state=online])');

  // The link comes back: the page reconnects by itself.
  proxy.restore();
  await page.waitForSelector('[data-testid=connection][data-state=online]', BOUND);
  expect(guard.outside).toEqual([]);
});
