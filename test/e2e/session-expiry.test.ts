import { rmSync } from 'node:fs';
import { expect, test } from 'vitest';
import { buildApp } from '@jointmap/server';
import { defaultConfig, type Config } from '@jointmap/server/config';
import type { Page } from 'playwright-core';
import { assertClientBuilt, launchBrowser, loginAs, newContext } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, tempDir, type Teardown } from '../helpers/server.ts';

/** A real server on a given port (0: any), so that it can be stopped and started again under a page. */
async function serverOn(dataDir: string, port: number, overrides: Partial<Config> = {}) {
  const config = defaultConfig({
    port,
    dataDir,
    demoPassword: DEMO_PASSWORD,
    logLevel: 'silent',
    simulate: false,
    ...overrides,
  });
  const built = await buildApp(config, { logger: false });
  await built.app.listen({ port, host: '127.0.0.1' });
  const addr = built.app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return { ...built, port: addr.port, url: `http://127.0.0.1:${addr.port}` };
}

async function firstServer(t: Teardown, overrides: Partial<Config>) {
  const dataDir = tempDir();
  const server = await serverOn(dataDir, 0, overrides);
  const running = { server };
  t.onTestFinished(async () => {
    await running.server.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { dataDir, running };
}

const online = async (page: Page, timeout = 30_000) => {
  await page.waitForSelector('[data-testid=connection][data-state=online]', { timeout });
  await page.waitForSelector('[data-testid=live-state][data-state=online]', { timeout });
};

/** The login page, with the reason the session ended; the page it came from is the `next`. */
async function expectLogin(page: Page, reason: 'expired' | 'ended', text: string, from: string) {
  await page.waitForSelector(`[data-testid=session-ended][data-reason=${reason}]`, { timeout: 20_000 });
  expect(await page.textContent('[data-testid=session-ended]')).toContain(text);
  expect(await page.locator('[data-testid=login-form]').count()).toBe(1);
  expect(await page.evaluate(() => location.hash)).toBe(`#/login?next=${encodeURIComponent(from)}`);
}

test('a wall renews its short-lived token by itself and reconnects with the new one after the first expired', async (t) => {
  assertClientBuilt();
  const { dataDir, running } = await firstServer(t, { viewerTokenTtlSeconds: 12 });
  const browser = await launchBrowser(t);
  const { context, guard } = await newContext(browser, { viewport: { width: 1600, height: 900 } });
  const page = await context.newPage();
  const renewals: number[] = [];
  page.on('response', (r) => {
    if (r.url().endsWith('/api/auth/renew')) renewals.push(r.status());
  });
  await loginAs(page, running.server.url, 'wall', DEMO_PASSWORD, `#/wall/${DEMO_OP}`);
  const firstToken = await page.evaluate(
    () => JSON.parse(localStorage.getItem('jointmap.session')!) as { token: string; expiresAt: number },
  );
  await online(page);

  // Renewed at about half the 12 s life, with nobody at the page.
  await expect.poll(() => renewals, { timeout: 25_000 }).toContain(200);
  // Past the first token's expiry: still the wall, still online (the server follows the session).
  await page.waitForTimeout(Math.max(0, firstToken.expiresAt + 1500 - Date.now()));
  expect(await page.locator('[data-testid=wall]').count()).toBe(1);
  await online(page, 5_000);
  const held = await page.evaluate(() => JSON.parse(localStorage.getItem('jointmap.session')!) as { token: string });
  expect(held.token).not.toBe(firstToken.token);
  const refused = await fetch(`${running.server.url}/api/operations`, {
    headers: { authorization: `Bearer ${firstToken.token}` },
  });
  expect(refused.status).toBe(401); // the first token really expired

  // The server restarts: every connection drops and comes back, so sync and socket.io must
  // reconnect with the renewed token (the first one would be refused and end at the login).
  const port = running.server.port;
  await running.server.app.close();
  await page.waitForSelector('[data-testid=connection]:not([data-state=online])', { timeout: 20_000 });
  running.server = await serverOn(dataDir, port, { viewerTokenTtlSeconds: 12 });
  await online(page);
  expect(await page.locator('[data-testid=wall]').count()).toBe(1);
  expect(renewals.every((s) => s === 200)).toBe(true);
  await page.screenshot({ path: '/tmp/session-wall-renewed.png' });
  expect(guard.outside).toEqual([]);
});

test('a token that really expires (the renewal cannot get through) ends at the login: 登录已过期', async (t) => {
  assertClientBuilt();
  const { running } = await firstServer(t, { viewerTokenTtlSeconds: 8 });
  const browser = await launchBrowser(t);
  const { context, guard } = await newContext(browser, { viewport: { width: 1600, height: 900 } });
  const page = await context.newPage();
  // A link that lets the open sockets through but loses the renewal requests.
  await page.route('**/api/auth/renew', (route) => route.abort('connectionfailed'));
  await loginAs(page, running.server.url, 'wall', DEMO_PASSWORD, `#/wall/${DEMO_OP}`);
  await online(page);
  // The server closes the wall's connections when the 8 s session expires; the wall must not freeze.
  await expectLogin(page, 'expired', '登录已过期', `#/wall/${DEMO_OP}`);
  expect(await page.locator('[data-testid=wall]').count()).toBe(0);
  await page.screenshot({ path: '/tmp/session-expired-login.png' });

  // Signing in again goes back to the wall.
  await page.unroute('**/api/auth/renew');
  await page.fill('input[name=username]', 'wall');
  await page.fill('input[name=password]', DEMO_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=wall]');
  expect(guard.outside).toEqual([]);
});

test('disabling the account, or signing out in another tab, ends the console at once: 登录已失效', async (t) => {
  assertClientBuilt();
  const { running } = await firstServer(t, {});
  const server = running.server;
  const browser = await launchBrowser(t);
  const { context, guard } = await newContext(browser);
  const from = `#/op/${DEMO_OP}`;

  // Two tabs of one browser share one session; signing out in one ends it in the other.
  const tab1 = await context.newPage();
  await loginAs(tab1, server.url, 'linping', DEMO_PASSWORD, from);
  const tab2 = await context.newPage();
  await tab2.goto(`${server.url}/${from}`);
  await online(tab1);
  await online(tab2);
  await tab1.getByRole('button', { name: '退出' }).click();
  await tab1.waitForSelector('[data-testid=login-form]');
  expect(await tab1.locator('[data-testid=session-ended]').count()).toBe(0); // asked for: no warning
  await expectLogin(tab2, 'ended', '登录已失效', from);

  // An administrator disables the account of a signed-in dispatcher (another browser).
  const other = await newContext(browser);
  const page = await other.context.newPage();
  await loginAs(page, server.url, 'deqing', DEMO_PASSWORD, from);
  await online(page);
  const account = (await server.ctx.storage.getAccountByUsername('deqing'))!;
  await server.ctx.storage.upsertAccount({ ...account, disabled: true });
  await expectLogin(page, 'ended', '登录已失效', from);
  await page.screenshot({ path: '/tmp/session-ended-login.png' });
  // And it cannot sign in again.
  await page.fill('input[name=username]', 'deqing');
  await page.fill('input[name=password]', DEMO_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForSelector('.error[role=alert]');
  expect(guard.outside).toEqual([]);
  expect(other.guard.outside).toEqual([]);
});
