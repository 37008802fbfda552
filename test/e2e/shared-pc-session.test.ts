import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';
import { drawLine } from './map-actions.ts';

const FROM = `#/op/${DEMO_OP}`;

/** The login every tab of the browser reads (localStorage `jointmap.session`). */
const stored = (p: Page) =>
  p.evaluate(() => {
    const raw = localStorage.getItem('jointmap.session');
    return raw
      ? (JSON.parse(raw) as { token: string; expiresAt: number; user: { name: string; stationId: string | null } })
      : null;
  });

const online = (p: Page) => p.waitForSelector('[data-testid=connection][data-state=online]', { timeout: 30_000 });
const offline = (p: Page) =>
  p.waitForSelector('[data-testid=connection]:not([data-state=online])', { timeout: 20_000 });

/** The console's 退出 (behind 更多 on narrower screens). */
async function clickLogout(p: Page): Promise<void> {
  const button = p.locator('button.logout');
  if (!(await button.isVisible())) await p.getByTestId('header-more-open').click();
  await button.click();
}

async function signIn(p: Page, username: string): Promise<void> {
  await p.fill('input[name=username]', username);
  await p.fill('input[name=password]', DEMO_PASSWORD);
  await p.click('button[type=submit]');
  await p.waitForFunction(() => !document.querySelector('[data-testid=login-form]'));
}

test('shared station PC: a sign-out made offline signs out every tab, stays signed out for the next person, and reaches the server when the link returns', async (t) => {
  assertClientBuilt();
  // 12 s tokens: a tab renews every 6 s, so a renewal falls inside every step below.
  const server = await startServer(t, { tokenTtlSeconds: 12 });
  const browser = await launchBrowser(t);
  const { context, guard } = await newContext(browser, { serviceWorker: true });
  context.on('page', (p) => p.on('dialog', (d) => void d.accept()));
  const tab1 = await context.newPage();
  await loginAs(tab1, server.url, 'deqing', DEMO_PASSWORD, FROM);
  await waitForMap(tab1);
  const tab2 = await context.newPage();
  await tab2.goto(`${server.url}/${FROM}`);
  await waitForMap(tab2);
  await online(tab1);
  await online(tab2);

  // The link drops; A (禹越) signs out at the end of the shift, in tab 1.
  await context.setOffline(true);
  await offline(tab1);
  const tokenOfA = (await stored(tab1))!.token;
  await clickLogout(tab1);
  await tab1.waitForSelector('[data-testid=login-form]');
  // Tab 2 follows at once, offline too, and says why.
  await tab2.waitForSelector('[data-testid=session-ended][data-reason=ended]', { timeout: 10_000 });
  expect(await tab2.locator('[data-testid=map]').count()).toBe(0);
  expect(await stored(tab1)).toBeNull();

  // The link returns; B (运河) signs in in tab 1. A's session ends on the server (queued sign-out).
  await context.setOffline(false);
  await signIn(tab1, 'linping');
  await expect
    .poll(
      async () => {
        const res = await fetch(`${server.url}/api/operations`, { headers: { authorization: `Bearer ${tokenOfA}` } });
        return `${res.status} ${((await res.json()) as { error?: { code?: string } }).error?.code}`;
      },
      { timeout: 15_000 },
    )
    .toBe('401 SESSION_ENDED');

  // Past a renewal of A's old tab: the stored login is still B's, and a reload shows B.
  await tab1.waitForTimeout(8_000);
  expect((await stored(tab1))?.user.stationId).toBe('linping-yunhe');
  await tab1.reload();
  await tab1.waitForSelector('[data-testid=user]');
  expect(await tab1.textContent('[data-testid=user]')).toContain('运河值班民警');
  expect((await stored(tab2))?.user.stationId).toBe('linping-yunhe');
  expect(await tab2.locator('[data-testid=login-form]').count()).toBe(1);
  expect(guard.outside).toEqual([]);
});

test('a token that expired while offline: a reload explains 登录已过期 and counts the unsent edits kept on this PC', async (t) => {
  assertClientBuilt();
  const server = await startServer(t, { tokenTtlSeconds: 15 });
  const browser = await launchBrowser(t);
  const { context, guard } = await newContext(browser, { serviceWorker: true });
  const page = await context.newPage();
  await loginAs(page, server.url, 'deqing', DEMO_PASSWORD, FROM);
  await waitForMap(page);
  await online(page);
  // The offline reload needs the service worker's shell.
  await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, { timeout: 20_000 });

  await context.setOffline(true);
  await offline(page);
  await drawLine(page, [
    [120.05, 30.5],
    [120.15, 30.55],
  ]);
  await page.waitForSelector('[data-testid=connection]:not([data-pending="0"])');
  const pending = Number(await page.getAttribute('[data-testid=connection]', 'data-pending'));
  expect(pending).toBeGreaterThan(0);
  // The 退出 button warns with the same count (dismissed: stays signed in).
  const asked = new Promise<string>((resolve) =>
    page.once('dialog', (d) => {
      resolve(d.message());
      void d.dismiss();
    }),
  );
  await clickLogout(page);
  const message = await asked;
  expect(message).toContain(`还有 ${pending} 项修改未发送到服务器`);
  expect(message).toContain('确定退出？');
  expect(await page.locator('[data-testid=map]').count()).toBe(1);
  const { expiresAt } = (await stored(page))!;
  await page.waitForTimeout(Math.max(0, expiresAt - Date.now() + 1_000));

  await page.reload();
  const ended = page.locator('[data-testid=session-ended][data-reason=expired]');
  await ended.waitFor({ timeout: 20_000 });
  expect(await ended.textContent()).toContain('登录已过期');
  const unsent = page.getByTestId('unsent-edits');
  expect(await unsent.getAttribute('data-count')).toBe(String(pending));
  expect(await unsent.textContent()).toContain(`禹越值班民警还有 ${pending} 项修改未发送到服务器`);

  await page.getByTestId('lang-switch').click();
  expect(await ended.textContent()).toContain('Signed out: the sign-in expired');
  expect(await unsent.textContent()).toContain('by 禹越值班民警');
  expect(guard.outside).toEqual([]);
});
