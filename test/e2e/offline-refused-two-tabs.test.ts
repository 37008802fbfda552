import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';
import { annotationsOf, drawLine } from './map-actions.ts';

const DEQING = 'deqing-yuyue';
const badge = (p: Page) =>
  p.evaluate(() => ({
    refused: document.querySelector('[data-testid=refused]')?.getAttribute('data-count') ?? null,
    pending: document.querySelector('[data-testid=connection]')?.getAttribute('data-pending') ?? null,
  }));

test('two tabs of one dispatcher: a drawing made offline and refused is reported as refused, not as sent, and confirming in one tab drops it from both', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  const browser = await launchBrowser(t);
  const { context } = await newContext(browser, { serviceWorker: true });
  const tab1 = await context.newPage();
  await loginAs(tab1, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  const tab2 = await context.newPage();
  await tab2.goto(`${server.url}/#/op/${DEMO_OP}`);
  for (const p of [tab1, tab2]) {
    await waitForMap(p);
    await p.waitForSelector('[data-testid=connection][data-state=online]');
  }
  await tab1.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, { timeout: 20_000 });
  const before = Object.keys(await annotationsOf(tab1, DEQING));

  // Offline, 德清 draws in the first tab; the second gets it over the tabs' channel.
  await context.setOffline(true);
  await tab1.waitForSelector('[data-testid=connection]:not([data-state=online])', { timeout: 20_000 });
  await drawLine(tab1, [
    [120.05, 30.5],
    [120.15, 30.55],
  ]);
  const drawn = Object.keys(await annotationsOf(tab1, DEQING)).filter((id) => !before.includes(id));
  expect(drawn).toHaveLength(1);
  const id = drawn[0]!;
  for (let i = 0; i < 100 && !(id in (await annotationsOf(tab2, DEQING))); i++) await tab2.waitForTimeout(100);
  expect(Object.keys(await annotationsOf(tab2, DEQING))).toContain(id);

  // Meanwhile the commander closes the operation; the link comes back.
  const commander = await server.login('commander');
  const closed = await fetch(`${server.url}/api/operations/${DEMO_OP}/close`, {
    method: 'POST',
    headers: { authorization: `Bearer ${commander.token}` },
  });
  expect(closed.status).toBe(200);
  await context.setOffline(false);

  // The first tab says the edit was refused (the second tab's sync messages do not confirm it).
  await tab1.locator('[data-testid=refused]').waitFor({ timeout: 30_000 });
  expect(await badge(tab1)).toEqual({ refused: '1', pending: '0' });
  const room = await server.ctx.rooms.get(`${DEMO_OP}/${DEQING}`);
  expect(room.doc.getMap('annotations').has(id)).toBe(false);

  // Confirmed in the first tab: both tabs let go of it, and it does not come back on a reload.
  await Promise.all([tab1.waitForEvent('load'), tab1.click('[data-testid=refused-acknowledge]')]);
  for (const p of [tab1, tab2]) {
    await waitForMap(p);
    await p.waitForSelector('[data-testid=connection][data-state=online]', { timeout: 30_000 });
  }
  await tab1.waitForTimeout(3_000);
  for (const p of [tab1, tab2]) expect(Object.keys(await annotationsOf(p, DEQING))).not.toContain(id);
  await tab1.reload();
  await waitForMap(tab1);
  await tab1.waitForSelector('[data-testid=connection][data-state=online]', { timeout: 30_000 });
  await tab1.waitForTimeout(3_000);
  expect(Object.keys(await annotationsOf(tab1, DEQING))).not.toContain(id);
  expect(await badge(tab1)).toEqual({ refused: null, pending: '0' });
});
