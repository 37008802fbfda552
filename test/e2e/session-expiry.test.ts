import { expect, test } from 'vitest';
import { assertClientBuilt, launchBrowser, loginAs, newContext } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';

/** The page's live socket (socket.io-client internals: the entry points for packets from the server). */
interface WallWindow {
  jointmap: {
    session: {
      live: { socket: { onpacket(p: { type: number; nsp: string; data: unknown[] }): void; ondisconnect(): void } };
    };
  };
}

test('the wall rejoins live positions after a server disconnect, and a live-channel token error ends the session', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
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

  // The server's token-expiry sequence on the live channel only (sync stays up, its token is
  // long-lived): `live:error` TOKEN_EXPIRED, then DISCONNECT. The wall must not freeze: it goes to
  // the login, which says why (zh-CN by default), and comes back to the wall afterwards.
  await page.evaluate(() => {
    const socket = (window as unknown as WallWindow).jointmap.session.live.socket;
    socket.onpacket({
      type: 2,
      nsp: '/',
      data: ['live:error', { code: 'TOKEN_EXPIRED', message: 'token expired, log in again' }],
    });
    socket.ondisconnect();
  });
  await page.waitForSelector('[data-testid=session-expired]', { timeout: 10_000 });
  expect(await page.textContent('[data-testid=session-expired]')).toContain('登录已过期');
  expect(await page.evaluate(() => location.hash)).toBe(`#/login?next=${encodeURIComponent(`#/wall/${DEMO_OP}`)}`);
  expect(await page.locator('[data-testid=wall]').count()).toBe(0);
  expect(guard.outside).toEqual([]);
});
