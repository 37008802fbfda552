import { expect, test } from 'vitest';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';

test('with localStorage filled by copies of earlier operations, the operation open now keeps its copy and reopens offline', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  const browser = await launchBrowser(t);
  const { context } = await newContext(browser, { serviceWorker: true });
  const page = await context.newPage();
  await loginAs(page, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(page);
  await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, { timeout: 20_000 });

  // Copies of earlier operations as earlier versions wrote them (~288 KB each) until the quota is full.
  const filled = await page.evaluate(() => {
    const key = (i: number) => `jointmap.opdata.u-deqing.op-earlier-${i}`;
    localStorage.removeItem(`jointmap.opdata.u-deqing.demo-tricounty`);
    const copy = (size: number) =>
      JSON.stringify({ view: {}, jurisdictions: {}, context: { padding: 'x'.repeat(size) } });
    let i = 0;
    // Big copies first, then smaller ones fill what is left to the last few hundred characters.
    for (const size of [288_000, 10_000, 300])
      try {
        for (; i < 1000; i++) localStorage.setItem(key(i), copy(size));
      } catch {
        // full at this size
      }
    return i;
  });
  expect(filled).toBeGreaterThan(5);

  await page.reload();
  await waitForMap(page);
  await page.waitForSelector('[data-testid=connection][data-state=online]', { timeout: 30_000 });
  const kept = await page.evaluate(() => ({
    current: localStorage.getItem('jointmap.opdata.u-deqing.demo-tricounty') !== null,
    counties: localStorage.getItem('jointmap.opcontext') !== null,
    earlier: Object.keys(localStorage).filter((k) => k.startsWith('jointmap.opdata.u-deqing.op-earlier-')).length,
  }));
  expect(kept.current).toBe(true);
  expect(kept.counties).toBe(true);
  expect(kept.earlier).toBeLessThan(filled); // the least recently used made room

  await context.setOffline(true);
  await page.reload();
  await waitForMap(page);
  expect(await page.locator('[data-testid=operation-error]').count()).toBe(0);
});
