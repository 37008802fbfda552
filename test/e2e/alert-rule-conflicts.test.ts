import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, type TestServer } from '../helpers/server.ts';
import { api } from '../live/live-helpers.ts';
import { CAR, offset, putRules, rule, send, square, startAlertServer } from '../alerts/alert-helpers.ts';
import type { PageHooks } from './map-actions.ts';

/** Rule records of one document as the page's own Y.Doc holds them. */
function rulesOf(page: Page, scope: string): Promise<Record<string, Record<string, unknown>>> {
  return page.evaluate(
    (s) =>
      (window as unknown as PageHooks)
        .jointmap!.session.docs.find((d) => d.scope === s)!
        .doc.getMap('rules')
        .toJSON() as never,
    scope,
  );
}

/** The commander's and 德清's consoles, rule lists open, on a server holding two 德清 speed rules. */
async function twoConsoles(
  t: Parameters<typeof startAlertServer>[0],
): Promise<{ server: TestServer; pc: Page; pd: Page }> {
  assertClientBuilt();
  const server = await startAlertServer(t);
  await putRules(server, 'deqing-yuyue', [
    rule('deqing-yuyue', { id: 'speed1', name: '德清限速', type: 'speed', limitKmh: 60, area: null }),
    rule('deqing-yuyue', { id: 'speed2', name: '德清限速二', type: 'speed', limitKmh: 80, area: null }),
  ]);
  const browser = await launchBrowser(t);
  const pc = await (await newContext(browser)).context.newPage();
  const pd = await (await newContext(browser)).context.newPage();
  await loginAs(pc, server.url, 'commander', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await loginAs(pd, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(pc);
  await waitForMap(pd);
  for (const p of [pc, pd]) {
    await p.click('[data-testid=rules] summary');
    await p.waitForSelector('[data-testid=rule-row][data-rule=speed1]');
  }
  return { server, pc, pd };
}

const row1 = '[data-testid=rule-row][data-rule=speed1]';
const row2 = '[data-testid=rule-row][data-rule=speed2]';

test('a rule switched off on another console while the commander edits its limit stays off after the save, and a limit both changed is refused once with a notice', async (t) => {
  const { pc, pd } = await twoConsoles(t);
  await pc.click(`${row1} [data-testid=rule-edit]`);
  await pc.fill(`${row1} [data-testid=rule-limit]`, '50');
  await pd.uncheck(`${row1} [data-testid=rule-toggle]`);
  // The form follows the field the commander did not touch.
  await expect.poll(() => pc.isChecked(`${row1} [data-testid=rule-enabled]`)).toBe(false);
  await pc.click(`${row1} [data-testid=rule-save]`);
  await pc.waitForSelector(`${row1} [data-testid=rule-form]`, { state: 'detached' });
  await expect.poll(async () => (await rulesOf(pd, 'deqing-yuyue')).speed1?.limitKmh).toBe(50);
  expect((await rulesOf(pd, 'deqing-yuyue')).speed1?.enabled).toBe(false);

  // Both change the limit: the first save is refused naming the field, nothing is written; the second writes it.
  await pc.click(`${row1} [data-testid=rule-edit]`);
  await pc.fill(`${row1} [data-testid=rule-limit]`, '40');
  await pd.click(`${row1} [data-testid=rule-edit]`);
  await pd.fill(`${row1} [data-testid=rule-limit]`, '70');
  await pd.click(`${row1} [data-testid=rule-save]`);
  await expect.poll(async () => (await rulesOf(pc, 'deqing-yuyue')).speed1?.limitKmh).toBe(70);
  await pc.click(`${row1} [data-testid=rule-save]`);
  await expect
    .poll(() => pc.textContent(`${row1} [data-testid=rule-error]`))
    .toContain('限速（km/h）刚被他人改成了别的值');
  expect(await pc.inputValue(`${row1} [data-testid=rule-limit]`)).toBe('40');
  expect((await rulesOf(pc, 'deqing-yuyue')).speed1?.limitKmh).toBe(70);
  await pc.click(`${row1} [data-testid=rule-save]`);
  await expect.poll(async () => (await rulesOf(pd, 'deqing-yuyue')).speed1?.limitKmh).toBe(40);
});

test('a rule deleted on another console while its edit form is open keeps the typed values with a notice; 另存为新规则 saves them as a new rule and 放弃 clears the form', async (t) => {
  const { pc, pd } = await twoConsoles(t);
  const deleteOn = async (p: Page, row: string) => {
    p.once('dialog', (dlg) => void dlg.accept());
    await p.click(`${row} [data-testid=rule-delete]`);
  };
  await pc.click(`${row2} [data-testid=rule-edit]`);
  await pc.fill(`${row2} [data-testid=rule-name]`, '德清限速（改）');
  await deleteOn(pd, row2);
  await pc.waitForSelector('[data-testid=rule-deleted]');
  expect(await pc.textContent('[data-testid=rule-deleted]')).toContain('规则已被他人删除');
  expect(await pc.inputValue('[data-testid=rule-form] [data-testid=rule-name]')).toBe('德清限速（改）');
  expect(await pc.inputValue('[data-testid=rule-form] [data-testid=rule-limit]')).toBe('80');
  await pc.click('[data-testid=rule-save-as-new]');
  await pc.waitForSelector('[data-testid=rule-form]', { state: 'detached' });
  await expect
    .poll(async () => Object.values(await rulesOf(pd, 'deqing-yuyue')).map((r) => [r.name, r.limitKmh]))
    .toContainEqual(['德清限速（改）', 80]);
  expect((await rulesOf(pd, 'deqing-yuyue')).speed2).toBeUndefined();

  await pc.click(`${row1} [data-testid=rule-edit]`);
  await deleteOn(pd, row1);
  await pc.waitForSelector('[data-testid=rule-discard]');
  await pc.click('[data-testid=rule-discard]');
  await pc.waitForSelector('[data-testid=rule-form]', { state: 'detached' });
  expect(await pc.evaluate(() => document.querySelectorAll('[data-testid=rule-form]').length)).toBe(0);
});

test('two consoles acknowledge the same alert at once: the one the server refused shows no error under the acknowledged row', async (t) => {
  assertClientBuilt();
  const server = await startAlertServer(t, { alertMinDurationS: 0, alertMarginM: 0 });
  await putRules(server, 'command', [
    rule('command', { id: 'depot', name: '油库禁入区', type: 'zone', polygon: square(300), trigger: 'enter' }),
  ]);
  const browser = await launchBrowser(t);
  const pc = await (await newContext(browser)).context.newPage();
  const pd = await (await newContext(browser)).context.newPage();
  await loginAs(pc, server.url, 'commander', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await loginAs(pd, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(pc);
  await waitForMap(pd);
  const now = Date.now();
  await send(server, CAR.deviceId, [
    { time: now - 2_000, at: offset(-800, 0), speedKmh: 30 },
    { time: now - 1_000, at: offset(0, 0), speedKmh: 30 },
  ]);
  const row = `[data-testid=alert-row][data-kind=zone_enter][data-unit=${CAR.unitId}]`;
  const statuses: number[] = [];
  for (const p of [pc, pd]) {
    p.on('response', (r) => {
      if (r.url().endsWith('/acknowledge')) statuses.push(r.status());
    });
    await p.click('[data-testid=desk-tab-alerts]');
    await p.waitForSelector(`${row}[data-state=open] [data-testid=alert-ack]`);
  }
  const press = (sel: string) => (document.querySelector(sel) as HTMLButtonElement).click();
  const ack = `${row} [data-testid=alert-ack]`;
  await Promise.all([pc.evaluate(press, ack), pd.evaluate(press, ack)]);
  await expect.poll(() => statuses.sort()).toEqual([200, 409]);
  for (const p of [pc, pd]) {
    await p.waitForSelector(`${row}[data-state=acknowledged] [data-testid=alert-resolve]:not([disabled])`);
    expect(await p.locator(`${row} .error`).count()).toBe(0);
  }
});

test('the operation closed while a dispatcher fills in a new rule: 保存 is disabled with the reason in Chinese and nothing English is shown', async (t) => {
  assertClientBuilt();
  const server = await startAlertServer(t);
  const browser = await launchBrowser(t);
  const pd = await (await newContext(browser)).context.newPage();
  await loginAs(pd, server.url, 'deqing', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await waitForMap(pd);
  await pd.click('[data-testid=rules] summary');
  await pd.click('[data-testid=rule-add]');
  await pd.selectOption('[data-testid=rule-type]', 'signal');
  await pd.fill('[data-testid=rule-name]', '失联告警');
  expect(await pd.isEnabled('[data-testid=rule-save]')).toBe(true);
  const { token } = await server.login('commander');
  expect((await api(server, token, 'POST', `/api/operations/${DEMO_OP}/close`)).status).toBe(200);
  await expect.poll(() => pd.isDisabled('[data-testid=rule-save]')).toBe(true);
  expect(await pd.textContent('[data-testid=rule-locked]')).toBe('行动已结束，规则只读，不能再保存');
  expect(await pd.inputValue('[data-testid=rule-name]')).toBe('失联告警');
  expect(await pd.textContent('[data-testid=rule-form]')).not.toMatch(/[a-z]{3,}/);
});
