import { expect, test } from 'vitest';
import { assertClientBuilt, launchBrowser, loginAs, newContext } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';

interface WallWindow {
  jointmap: { session: { live: { socket: { ondisconnect(): void } } } };
}

test('the wall rejoins live positions after a server disconnect and shows "session expired" when the token runs out', async (t) => {
  assertClientBuilt();
  // Sync does not drop connections when a token expires; the live channel does (live:error
  // TOKEN_EXPIRED, then a server disconnect): that alone must end the session.
  const server = await startServer(t, { tokenTtlSeconds: 20 });
  const browser = await launchBrowser(t);
  const { context, guard } = await newContext(browser, { viewport: { width: 1600, height: 900 } });
  const page = await context.newPage();
  await loginAs(page, server.url, 'wall', DEMO_PASSWORD, `#/wall/${DEMO_OP}`);
  await page.waitForSelector('[data-testid=wall]');
  await page.waitForSelector('[data-testid=live-state][data-state=online]', { timeout: 15_000 });

  // What socket.io-client does on the server's DISCONNECT packet ("io server disconnect"): it
  // never reconnects by itself; the client must, and show that it is doing so meanwhile.
  await page.evaluate(() => (window as unknown as WallWindow).jointmap.session.live.socket.ondisconnect());
  await page.waitForSelector('[data-testid=live-state][data-state=reconnecting]', { timeout: 5_000 });
  await page.waitForSelector('[data-testid=live-state][data-state=online]', { timeout: 10_000 });

  // The token expires: back to the login, which says why (zh-CN by default), and comes back to the wall after.
  await new Promise((r) => setTimeout(r, 22_000));
  console.log(await page.evaluate(() => { const l = (window as any).jointmap.session.live; return JSON.stringify({ state: l.state, error: l.error, hash: location.hash, term: (window as any).jointmap.session.terminated }); }));
  await page.waitForSelector('[data-testid=session-expired]', { timeout: 30_000 });
  expect(await page.textContent('[data-testid=session-expired]')).toContain('登录已过期');
  expect(await page.evaluate(() => location.hash)).toBe(`#/login?next=${encodeURIComponent(`#/wall/${DEMO_OP}`)}`);
  expect(await page.locator('[data-testid=wall]').count()).toBe(0);
  expect(guard.outside).toEqual([]);
});
