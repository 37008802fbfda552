import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { Unit } from '@jointmap/shared';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';
import { JUNCTION, offset, raiseTask, sendFix } from './dispatch-scene.ts';

const INCIDENT = offset(JUNCTION, 400, -300);

interface Hooks {
  jointmap: { session: { records(map: 'units'): Array<{ record: Unit }> } };
  jointmapMap: { getSource(id: string): { getData(): Promise<GeoJSON.FeatureCollection> } };
}

/** A unit's record as the page's documents hold it. */
function unitOn(page: Page, unitId: string): Promise<Unit | undefined> {
  return page.evaluate(
    (id) => (window as unknown as Hooks).jointmap.session.records('units').find((r) => r.record.id === id)?.record,
    unitId,
  );
}

/** Unit ids of the reassignment board's zone for `taskId`, in board order (hidden or not). */
function boardUnits(page: Page, taskId: string): Promise<string[]> {
  return page
    .locator(`[data-testid=board-task][data-task="${taskId}"] [data-testid=board-chip]`)
    .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-unit')}:${e.getAttribute('data-status')}`));
}

/** The callsigns the wall's task board lists on a task ('' when none). */
async function wallUnits(page: Page, taskId: string): Promise<string> {
  const units = page.locator(`[data-testid=task-board-row][data-task="${taskId}"] [data-testid=task-board-units]`);
  return (await units.count()) ? ((await units.textContent()) ?? '') : '';
}

// Four browser pages on one map: with another browser file beside it on a slow 2-core machine this
// took over two minutes (71 s alone).
test('the commander dispatches a 德清 and a 桐乡 unit in one click, drags one to another task; both stations and the wall follow; a 德清 dispatcher cannot tick 桐乡 units', async (t) => {
  assertClientBuilt();
  // Fixes stay live for the whole test, so the ranking does not reorder under it.
  const server = await startServer(t, { simulate: false, staleAfterMs: 600_000, lostAfterMs: 1_200_000 });

  // 临平 raises two tasks with a stock y-websocket client.
  const fight = await raiseTask(server, 'linping', 'linping-yunhe', {
    title: '运河路口聚众斗殴',
    location: { type: 'Point', coordinates: INCIDENT },
    priority: 'urgent',
    targetStations: ['deqing-yuyue', 'tongxiang-zhouquan'],
  });
  const missing = await raiseTask(server, 'linping', 'linping-yunhe', {
    title: '禹越镇老人走失协查',
    location: { type: 'Point', coordinates: offset(JUNCTION, -3000, 2500) },
    priority: 'high',
    targetStations: ['deqing-yuyue', 'tongxiang-zhouquan'],
  });
  // Trackers report near the incident: car 600 m, drone 1.5 km, 桐乡 car 2 km (运河巡02 never reports).
  await sendFix(server.url, 'demo-yuyue-01', offset(INCIDENT, 600, 0));
  await sendFix(server.url, 'demo-drone-01', offset(INCIDENT, 0, 1500));
  await sendFix(server.url, 'demo-zhouquan-01', offset(INCIDENT, 0, -2000));

  const browser = await launchBrowser(t);
  const [c, d, x, w] = await Promise.all([
    newContext(browser, { viewport: { width: 1400, height: 1000 } }),
    newContext(browser),
    newContext(browser),
    newContext(browser, { viewport: { width: 1600, height: 900 } }),
  ]);
  // Generous waits: other browsers may share the machine's two cores.
  for (const k of [c, d, x, w]) k.context.setDefaultTimeout(60_000);
  const [pc, pd, px, pw] = await Promise.all([
    c.context.newPage(),
    d.context.newPage(),
    x.context.newPage(),
    w.context.newPage(),
  ]);
  // One page after the other: four maps starting at once starve a 2-core machine.
  for (const [page, user, hash] of [
    [pc, 'commander', `#/op/${DEMO_OP}`],
    [pd, 'deqing', `#/op/${DEMO_OP}`],
    [px, 'tongxiang', `#/op/${DEMO_OP}`],
    [pw, 'wall', `#/wall/${DEMO_OP}`],
  ] as const) {
    await loginAs(page, server.url, user, DEMO_PASSWORD, hash);
    await page.waitForSelector('[data-testid=connection][data-state=online]');
  }
  await waitForMap(pc);

  // 德清's dispatcher opens the task: every station's available units, ranked by estimated
  // arrival; its own are tickable, 桐乡's are not, and the row says why.
  await pd.click(`[data-testid=task-row][data-task="${fight.id}"]`);
  const rows = pd.locator('[data-testid=dispatch-panel] [data-testid=dispatch-row]');
  await expect
    .poll(() => rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-unit'))), { timeout: 10_000 })
    .toEqual(['yuyue-car-01', 'drone-01', 'zhouquan-car-01', 'yunhe-boat-02']);
  const etas = await pd.locator('[data-testid=dispatch-row] [data-testid=dispatch-eta]').allTextContents();
  expect(etas).toEqual(['约 2 分钟', '约 3 分钟', '约 5 分钟', '—']);
  const tick = (page: Page, unitId: string) =>
    page.locator(`[data-testid=dispatch-row][data-unit=${unitId}] [data-testid=dispatch-tick]`);
  expect(await tick(pd, 'zhouquan-car-01').isDisabled()).toBe(true);
  expect(await tick(pd, 'yunhe-boat-02').isDisabled()).toBe(true);
  expect(await tick(pd, 'yuyue-car-01').isEnabled()).toBe(true);
  expect(
    await pd.textContent('[data-testid=dispatch-row][data-unit=zhouquan-car-01] [data-testid=dispatch-blocked]'),
  ).toBe('仅桐乡洲泉可派此警力');
  expect(await pd.getAttribute('[data-testid=dispatch-row][data-unit=yunhe-boat-02]', 'data-freshness')).toBe('lost');
  expect(await pd.textContent('[data-testid=dispatch-estimate]')).toContain('直线距离 × 绕行系数 1.4 ÷');

  // The commander opens it: ring counts in the panel, the four rings on the map.
  await pc.click(`[data-testid=task-row][data-task="${fight.id}"]`);
  await pc.waitForSelector('[data-testid=dispatch-panel] [data-testid=dispatch-row]');
  const ringCounts = () =>
    pc.locator('[data-testid=ring-count]').evaluateAll((els) => els.map((e) => e.textContent?.trim()).join(' · '));
  await expect.poll(ringCounts, { timeout: 10_000 }).toBe('1 分钟 0 · 3 分钟 2 · 5 分钟 3 · 8 分钟 3');
  await expect
    .poll(
      () =>
        pc.evaluate(async () =>
          (await (window as unknown as Hooks).jointmapMap.getSource('dispatch-rings').getData()).features
            .filter((f) => f.properties?.part === 'label')
            .map((f) => f.properties?.label as string),
        ),
      { timeout: 5_000 },
    )
    .toEqual(['8 分钟', '5 分钟', '3 分钟', '1 分钟']);
  const before = { car: (await unitOn(pc, 'yuyue-car-01'))!, zq: (await unitOn(pc, 'zhouquan-car-01'))! };

  // One click sends a 德清 and a 桐乡 unit: each becomes en route in its own station's document.
  expect(await tick(pc, 'zhouquan-car-01').isEnabled()).toBe(true);
  await tick(pc, 'yuyue-car-01').check();
  await tick(pc, 'zhouquan-car-01').check();
  await pc.click('[data-testid=dispatch-submit]');
  expect(await pc.textContent('[data-testid=dispatch-message]')).toContain('已派出 2 个警力');
  const onFight = (u: Unit) => ({ ...u, status: 'en_route', assignedTaskId: fight.id, updatedAt: expect.any(Number) });
  expect(await unitOn(pc, 'yuyue-car-01')).toEqual(onFight(before.car));
  expect(await unitOn(pc, 'zhouquan-car-01')).toEqual(onFight(before.zq));

  // Both stations and the wall see both units on the task, en route.
  const both = ['yuyue-car-01:en_route', 'zhouquan-car-01:en_route'];
  for (const p of [pc, pd, px]) {
    await expect.poll(() => boardUnits(p, fight.id), { timeout: 10_000 }).toEqual(both);
  }
  for (const p of [pd, px]) {
    expect(await unitOn(p, 'yuyue-car-01')).toEqual(await unitOn(pc, 'yuyue-car-01'));
    expect(await unitOn(p, 'zhouquan-car-01')).toEqual(await unitOn(pc, 'zhouquan-car-01'));
  }
  await expect.poll(() => wallUnits(pw, fight.id), { timeout: 10_000 }).toBe('禹越巡01、洲泉巡01');
  for (const id of ['yuyue-car-01', 'zhouquan-car-01'])
    await pw.waitForSelector(`[data-testid=unit-board-row][data-unit=${id}][data-status=en_route]`);
  // 德清's open panel lists them as dispatched.
  await expect
    .poll(() =>
      pd
        .locator('[data-testid=dispatch-assigned-unit]')
        .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-unit')}:${e.getAttribute('data-status')}`)),
    )
    .toEqual(['yuyue-car-01:en_route', 'zhouquan-car-01:en_route']);

  // The commander drags 洲泉巡01's chip onto the second task: one write moves it everywhere.
  const chip = pc.locator(
    `[data-testid=board-task][data-task="${fight.id}"] [data-testid=board-chip][data-unit=zhouquan-car-01]`,
  );
  await chip.dragTo(pc.locator(`[data-testid=board-task][data-task="${missing.id}"]`));
  expect(await unitOn(pc, 'zhouquan-car-01')).toEqual({
    ...before.zq,
    status: 'en_route',
    assignedTaskId: missing.id,
    updatedAt: expect.any(Number),
  });
  for (const p of [pc, pd, px]) {
    await expect.poll(() => boardUnits(p, missing.id), { timeout: 10_000 }).toEqual(['zhouquan-car-01:en_route']);
    expect(await boardUnits(p, fight.id)).toEqual(['yuyue-car-01:en_route']);
  }
  await expect.poll(() => wallUnits(pw, missing.id), { timeout: 10_000 }).toBe('洲泉巡01');
  expect(await wallUnits(pw, fight.id)).toBe('禹越巡01');

  // 德清's dispatcher moves its own unit with the keyboard path; it offers nothing for 桐乡's.
  await pd.click('[data-testid=reassign-board] summary');
  const own = pd.locator(`[data-testid=board-chip][data-unit=yuyue-car-01] [data-testid=board-move]`);
  expect(await pd.locator('[data-testid=board-chip][data-unit=zhouquan-car-01] [data-testid=board-move]').count()).toBe(
    0,
  );
  expect(await pd.getAttribute('[data-testid=board-chip][data-unit=zhouquan-car-01]', 'draggable')).toBe('false');
  // One arrow key on the closed select only picks (Chromium fires `change` there): 改派 moves it.
  await own.focus();
  await pd.keyboard.press('ArrowDown');
  await pd.waitForTimeout(500);
  expect(await unitOn(pd, 'yuyue-car-01')).toMatchObject({ assignedTaskId: fight.id });
  await pd.keyboard.press('Tab');
  await pd.keyboard.press('Enter');
  // The moved chip keeps the focus, in its new zone.
  const focused = () =>
    pd.evaluate(() =>
      ['board-task', 'board-chip'].map((id) =>
        document.activeElement
          ?.closest(`[data-testid=${id}]`)
          ?.getAttribute(id === 'board-chip' ? 'data-unit' : 'data-task'),
      ),
    );
  await expect.poll(focused, { timeout: 10_000 }).toEqual([missing.id, 'yuyue-car-01']);
  for (const p of [pc, pd, px]) {
    await expect
      .poll(() => boardUnits(p, missing.id), { timeout: 10_000 })
      .toEqual(['yuyue-car-01:en_route', 'zhouquan-car-01:en_route']);
  }
  await expect.poll(() => wallUnits(pw, missing.id), { timeout: 10_000 }).toBe('禹越巡01、洲泉巡01');
  expect(await wallUnits(pw, fight.id)).toBe('');

  for (const p of [pc, pd, px]) expect(await p.locator('[data-testid=rejections]').count()).toBe(0);
  for (const k of [c, d, x, w]) expect(k.guard.outside).toEqual([]);
}, 240_000);
