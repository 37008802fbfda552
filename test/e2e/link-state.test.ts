import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { docName } from '@jointmap/shared';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { LinkProxy } from '../helpers/link-proxy.ts';
import {
  DEMO_OP,
  DEMO_PASSWORD,
  login,
  spawnServer,
  tempDir,
  type ServerProcess,
  type Teardown,
} from '../helpers/server.ts';
import { connectClient } from '../helpers/sync-client.ts';
import { annotationsOf, drawLine } from './map-actions.ts';

/**
 * Issue 10, item 2: an honest link state. Both channels (the documents over y-websocket, live
 * positions over socket.io) notice a dead link by their heartbeats; the console counts local edits
 * until the server has confirmed them; it never says 在线 while a channel is down.
 */

const STATION = 'deqing-yuyue';
const LINE: Array<[number, number]> = [
  [120.05, 30.5],
  [120.15, 30.55],
  [120.2, 30.62],
];
/** Generous: the heartbeats notice a dead link in about 6 s; this only bounds a hung test. */
const NOTICE = { timeout: 20_000 };
const shots = fileURLToPath(new URL('../../test-results/', import.meta.url));

async function setup(t: Teardown) {
  assertClientBuilt();
  const dataDir = tempDir();
  const state: { server: ServerProcess } = { server: await spawnServer(dataDir) };
  const proxy = new LinkProxy(Number(new URL(state.server.url).port));
  await proxy.start();
  t.onTestFinished(async () => {
    await proxy.close();
    await state.server.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const browser = await launchBrowser(t);
  const { context, guard } = await newContext(browser, { viewport: { width: 1400, height: 860 } });
  const page = await context.newPage();
  await loginAs(page, proxy.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(page);
  await page.waitForSelector('[data-testid=connection][data-state=online][data-pending="0"]');
  await page.waitForSelector('[data-testid=live-state][data-state=online]');
  return { dataDir, state, proxy, page, guard };
}

/** Every state the two badges pass through, recorded in the page as it happens. */
async function recordBadges(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { badgeLog: Array<{ conn: string; live: string; docs: string }> };
    w.badgeLog = [];
    const read = () => {
      const c = document.querySelector('[data-testid=connection]');
      const l = document.querySelector('[data-testid=live-state]');
      const entry = {
        conn: c?.getAttribute('data-state') ?? '',
        docs: c?.getAttribute('data-docs') ?? '',
        live: l?.getAttribute('data-state') ?? '',
      };
      const last = w.badgeLog[w.badgeLog.length - 1];
      if (!last || last.conn !== entry.conn || last.live !== entry.live || last.docs !== entry.docs)
        w.badgeLog.push(entry);
    };
    read();
    new MutationObserver(read).observe(document.body, { attributes: true, subtree: true, childList: true });
  });
}

const badgeLog = (page: Page) =>
  page.evaluate(
    () => (window as unknown as { badgeLog: Array<{ conn: string; live: string; docs: string }> }).badgeLog,
  );

/** What the server holds of the station's annotations, read by a separate client. */
async function serverAnnotations(t: Teardown, server: ServerProcess) {
  const { token } = await login(server.url, 'commander');
  const c = await connectClient(t, server.wsUrl, docName(DEMO_OP, STATION), token);
  const out = c.doc.getMap('annotations').toJSON() as Record<string, unknown>;
  c.destroy();
  return out;
}

test('server stopped: both badges go offline, an edit counts as 1 pending until the restarted server has it', async (t) => {
  const { dataDir, state, proxy, page, guard } = await setup(t);

  await state.server.kill('SIGKILL');
  await page.waitForSelector('[data-testid=connection][data-state=offline]', NOTICE);
  await page.waitForSelector('[data-testid=live-state][data-state=offline]', NOTICE);
  await expect.poll(() => page.textContent('[data-testid=live-down]')).toBe('离线');

  await drawLine(page, LINE);
  const drawn = Object.values(await annotationsOf(page, STATION));
  expect(drawn).toHaveLength(1);
  const id = drawn[0]!.id;
  await page.waitForSelector('[data-testid=pending]', NOTICE);
  expect(await page.textContent('[data-testid=pending]')).toBe('1 项待同步');
  await page.screenshot({ path: `${shots}link-state-server-stopped.png` });

  // The server comes back (a new process on the same data, another port behind the same address).
  state.server = await spawnServer(dataDir);
  proxy.retarget(Number(new URL(state.server.url).port));
  await page.waitForSelector('[data-testid=connection][data-pending="0"]', { timeout: 30_000 });
  // The count dropped because the server answered after storing the edit: it has it now.
  expect(Object.keys(await serverAnnotations(t, state.server))).toContain(id);
  await page.waitForSelector('[data-testid=connection][data-state=online]', NOTICE);
  await page.waitForSelector('[data-testid=live-state][data-state=online]', NOTICE);
  expect(guard.outside).toEqual([]);
});

test('network cut: both channels notice the dead link, never say 在线 while one is down, and the edit waits', async (t) => {
  const { state, proxy, page, guard } = await setup(t);
  await recordBadges(page);

  // Nothing is closed, nothing arrives: only the heartbeats can tell. The edit is made at once,
  // while the page may still believe the link is up: it goes out into the void and must count.
  proxy.cut();
  await drawLine(page, LINE);
  const id = Object.values(await annotationsOf(page, STATION))[0]!.id;
  await page.waitForSelector('[data-testid=pending]', NOTICE);
  expect(await page.textContent('[data-testid=pending]')).toBe('1 项待同步');

  await page.waitForSelector('[data-testid=connection]:not([data-state=online])', NOTICE);
  await page.waitForSelector('[data-testid=connection][data-docs]:not([data-docs=online])', NOTICE);
  await page.waitForSelector('[data-testid=live-state]:not([data-state=online])', NOTICE);
  await page.waitForSelector('[data-testid=live-down]');
  expect(await page.textContent('[data-testid=pending]')).toBe('1 项待同步');
  // Playwright's screenshot waits for web fonts, whose requests hang on the cut link: ask CDP directly.
  const cdp = await page.context().newCDPSession(page);
  const shot = (await cdp.send('Page.captureScreenshot')) as { data: string };
  writeFileSync(`${shots}link-state-network-cut.png`, Buffer.from(shot.data, 'base64'));
  // While the link stays cut the count stays: nothing but the server's answer clears it.
  await page.waitForTimeout(8_000);
  expect(await page.getAttribute('[data-testid=connection]', 'data-pending')).toBe('1');
  expect(Object.keys(await serverAnnotations(t, state.server))).not.toContain(id);

  const beforeRestore = await badgeLog(page);
  proxy.restore();
  await page.waitForSelector('[data-testid=connection][data-state=online][data-pending="0"]', { timeout: 30_000 });
  await page.waitForSelector('[data-testid=live-state][data-state=online]', NOTICE);
  expect(Object.keys(await serverAnnotations(t, state.server))).toContain(id);

  // The console badge said 在线 only while both channels were: never with one of them down…
  const log = await badgeLog(page);
  expect(log.filter((e) => e.conn === 'online' && (e.docs !== 'online' || e.live !== 'online'))).toEqual([]);
  // …and once each badge noticed the cut it did not claim 在线 again until the link was back. The
  // two channels notice a few seconds apart (their heartbeats are independent), so each from its own.
  const noticed = beforeRestore.findIndex((e) => e.conn !== 'online');
  expect(noticed).toBeGreaterThan(-1);
  expect(beforeRestore.slice(noticed).filter((e) => e.conn === 'online')).toEqual([]);
  const liveNoticed = beforeRestore.findIndex((e) => e.live !== 'online');
  expect(liveNoticed).toBeGreaterThan(-1);
  expect(beforeRestore.slice(liveNoticed).filter((e) => e.live === 'online')).toEqual([]);
  expect(guard.outside).toEqual([]);
});
