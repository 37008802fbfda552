import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';

/**
 * An unattended wall recovers on its own: from a server upgraded past it (the live channel refuses
 * it as too old), from neighbouring counties that failed while it booted, and from a new screen size.
 */

/** What the map draws of a layer's labels, and how many neighbouring counties its source holds. */
function mapState(page: Page): Promise<{ contextSize: unknown; stationSize: unknown; counties: number }> {
  return page.evaluate(async () => {
    const map = (
      window as unknown as {
        jointmapMap: {
          getLayoutProperty(layer: string, name: string): unknown;
          getSource(id: string): { getData(): Promise<GeoJSON.FeatureCollection> } | undefined;
        };
      }
    ).jointmapMap;
    const context = await map.getSource('context')?.getData();
    return {
      contextSize: map.getLayoutProperty('context-label', 'text-size'),
      stationSize: map.getLayoutProperty('jurisdiction-label', 'text-size'),
      counties: context?.features.length ?? -1,
    };
  });
}

test('a wall the upgraded server refuses as too old says so, shows 离线, and reloads itself into the new client', async (t) => {
  assertClientBuilt();
  const server = await startServer(t, { simulate: false });
  const browser = await launchBrowser(t);
  const { context } = await newContext(browser, { viewport: { width: 1600, height: 900 } });
  // The server's refusal is its own (CLIENT_TOO_OLD): this page's handshake announces an older
  // protocol than the server's minimum, until the page has reloaded (the new build).
  let refuse = true;
  await context.routeWebSocket(/\/socket\.io\//, (ws) => {
    const upstream = ws.connectToServer();
    ws.onMessage((m) =>
      upstream.send(refuse && typeof m === 'string' ? m.replace(/"protocolVersion":\d+/, '"protocolVersion":0') : m),
    );
  });
  const page = await context.newPage();
  await loginAs(page, server.url, 'wall', DEMO_PASSWORD, `#/wall/${DEMO_OP}`);
  await waitForMap(page);

  // Documents online, live channel refused: 离线 with the message, not 重新连接中.
  const badge = page.locator('[data-testid=connection]');
  await page.waitForSelector('[data-testid=connection][data-outdated=true][data-docs=online]', { timeout: 20_000 });
  expect(await badge.getAttribute('data-state')).toBe('offline');
  expect(await badge.getAttribute('data-live')).toBe('offline');
  expect(await page.locator('[data-testid=outdated]').textContent()).toBe('请刷新页面以使用新版本');
  await page.screenshot({ path: 'test-results/wall-outdated.png' });

  // It reloads itself within the short wait (10–20 s); the new page is let through and goes live.
  const reloaded = page.waitForEvent('load', { timeout: 40_000 });
  await page.waitForTimeout(5_000);
  refuse = false;
  await reloaded;
  await page.waitForSelector('[data-testid=live-state][data-state=online]', { timeout: 30_000 });
  await page.waitForSelector('[data-testid=connection][data-state=online]', { timeout: 30_000 });
  expect(await page.evaluate(() => sessionStorage.getItem('jointmap.outdatedReloadAt'))).toMatch(/^\d+$/);
});

test('counties that failed while the wall booted arrive later; labels follow the screen when it grows', async (t) => {
  assertClientBuilt();
  const server = await startServer(t, { simulate: false });
  const browser = await launchBrowser(t);
  const { context } = await newContext(browser, { viewport: { width: 1920, height: 1080 } });
  let failures = 2;
  await context.route('**/api/basemap/context.geojson', (route) =>
    failures-- > 0
      ? route.fulfill({ status: 503, body: '{"error":{"code":"INTERNAL","message":""}}' })
      : route.continue(),
  );
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await loginAs(page, server.url, 'wall', DEMO_PASSWORD, `#/wall/${DEMO_OP}`);
  await waitForMap(page);

  await expect.poll(() => mapState(page).then((s) => s.counties), { timeout: 20_000 }).toBeGreaterThan(0);
  expect(failures).toBeLessThan(0);
  const at1080 = await mapState(page);
  expect(at1080).toMatchObject({ contextSize: 13 * 1.5, stationSize: 20 * 1.5 });

  // The browser moves to a bigger screen (1.5 × 1080p; a 4K one is the same, only slower to render
  // here): labels 1.5 times the size, the counties still drawn.
  await page.setViewportSize({ width: 2880, height: 1620 });
  await expect.poll(() => mapState(page).then((s) => s.contextSize), { timeout: 20_000 }).toBe(13 * 1.5 * 1.5);
  const bigger = await mapState(page);
  expect(bigger).toMatchObject({ stationSize: 20 * 1.5 * 1.5, counties: at1080.counties });
  expect(errors).toEqual([]);
});
