import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import type { RequestGuard } from '../helpers/browser.ts';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer, type Teardown, type TestServer } from '../helpers/server.ts';

/**
 * A server and a browser of the test's own (closed when it finishes), and the commander's console on
 * them once the live positions are online; `guard` records any request that left 127.0.0.1.
 */
export async function openCommanderConsole(
  t: Teardown,
): Promise<{ server: TestServer; page: Page; guard: RequestGuard }> {
  assertClientBuilt();
  const server = await startServer(t);
  const browser = await launchBrowser(t);
  const { context, guard } = await newContext(browser);
  const page = await context.newPage();
  await loginAs(page, server.url, 'commander', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(page);
  await page.waitForSelector('[data-testid=live-state][data-state=online]');
  return { server, page, guard };
}

/** Send one fix as Traccar Client does (OsmAnd protocol, plain HTTP, no login); it must be accepted. */
export async function sendFix(url: string, deviceId: string, [lon, lat]: [number, number]): Promise<void> {
  const q = new URLSearchParams({ id: deviceId, lat: String(lat), lon: String(lon), timestamp: String(Date.now()) });
  const res = await fetch(`${url}/api/positions/osmand?${q}`, { method: 'POST' });
  expect(res.status, await res.clone().text()).toBe(200);
}
