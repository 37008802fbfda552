import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { assertClientBuilt, launchBrowser, loginAs, newContext, waitForMap } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';
import { clickAt, type PageHooks } from './map-actions.ts';

// Inside 德清 (deqing-yuyue), about 1.5 km from the tri-county junction: 桐乡洲泉 is within the
// default 3 km, 临平运河 raises it. WGS-84.
const POINT: [number, number] = [120.285, 30.535];
const TITLE = '协查走失老人（骑蓝色三轮车）';

/** The task records of one document as the page's own Y.Doc holds them. */
function tasksOf(page: Page, scope: string): Promise<Record<string, Record<string, unknown>>> {
  return page.evaluate(
    (s) =>
      (window as unknown as PageHooks)
        .jointmap!.session.docs.find((d) => d.scope === s)!
        .doc.getMap('tasks')
        .toJSON() as never,
    scope,
  );
}

/** The timeline of the open task panel as [who, what] pairs. */
function timelineOf(page: Page): Promise<Array<[string, string]>> {
  return page.$$eval('[data-testid=task-panel] [data-testid=timeline-line]', (lines) =>
    lines.map(
      (l) => [l.querySelector('.who')!.textContent!, l.querySelector('.what')!.textContent!] as [string, string],
    ),
  );
}

test('临平 raises a task in 德清 through the UI; 德清 gets it unread, accepts it; 临平, the wall and the timeline follow', async (t) => {
  assertClientBuilt();
  const server = await startServer(t);
  const browser = await launchBrowser(t);
  const l = await newContext(browser, { viewport: { width: 1440, height: 900 } });
  const d = await newContext(browser, { viewport: { width: 1440, height: 900 } });
  const w = await newContext(browser, { viewport: { width: 1920, height: 1080 } });
  const [pl, pd, pw] = await Promise.all([l.context.newPage(), d.context.newPage(), w.context.newPage()]);
  await Promise.all(
    (
      [
        [pl, 'linping', `#/op/${DEMO_OP}`],
        [pd, 'deqing', `#/op/${DEMO_OP}`],
        [pw, 'wall', `#/wall/${DEMO_OP}`],
      ] as const
    ).map(async ([p, user, hash]) => {
      await loginAs(p, server.url, user, DEMO_PASSWORD, hash);
      await waitForMap(p);
      await p.waitForSelector('[data-testid=connection][data-state=online]');
    }),
  );
  await pd.waitForSelector('[data-testid=task-inbox]');
  expect(await pd.locator('[data-testid=task-unread]').count()).toBe(0);

  // 临平: the 发起任务 tool, a click in 德清, the form with the default targets.
  await pl.click('[data-testid=raise-task-tool]');
  expect(await pl.textContent('[data-testid=hint]')).toBe('在地图上点击任务地点，Esc 取消');
  await clickAt(pl, POINT);
  await pl.waitForSelector('[data-testid=raise-task-form]');
  const checkedTargets = () =>
    pl.$$eval('[data-testid=task-target]', (boxes) =>
      (boxes as HTMLInputElement[]).filter((b) => b.checked).map((b) => b.value),
    );
  expect(await checkedTargets()).toEqual(['deqing-yuyue', 'tongxiang-zhouquan']);
  expect(
    await pl.$$eval('[data-testid=task-target]', (boxes) => (boxes as HTMLInputElement[]).map((b) => b.value)),
  ).toEqual(['deqing-yuyue', 'tongxiang-zhouquan']);
  // No title: a clear message, nothing written.
  await pl.click('[data-testid=raise-submit]');
  expect(await pl.textContent('[data-testid=raise-error]')).toBe('请填写任务标题');
  expect(await tasksOf(pl, 'linping-yunhe')).toEqual({});
  // 桐乡 unticked: only 德清 is asked.
  await pl.uncheck('[data-testid=task-target][value=tongxiang-zhouquan]');
  await pl.fill('[data-testid=task-title-input]', TITLE);
  await pl.fill('[data-testid=task-description-input]', '近80岁男子，下午可能骑车进入禹越镇');
  await pl.selectOption('[data-testid=task-priority-select]', 'urgent');
  await pl.click('[data-testid=raise-submit]');
  await pl.waitForSelector('[data-testid=raise-task-form]', { state: 'detached' });

  const written = Object.values(await tasksOf(pl, 'linping-yunhe'));
  expect(written).toHaveLength(1);
  const task = written[0]!;
  const id = String(task.id);
  expect(task).toEqual({
    id: expect.stringMatching(/^t-[A-Za-z0-9_-]{10}$/),
    stationId: 'linping-yunhe',
    title: TITLE,
    description: '近80岁男子，下午可能骑车进入禹越镇',
    location: { type: 'Point', coordinates: expect.any(Array) },
    area: null,
    priority: 'urgent',
    targetStations: ['deqing-yuyue'],
    state: 'open',
    nonPolice: false,
    createdBy: 'u-linping',
    createdAt: task.updatedAt,
    updatedAt: expect.any(Number),
  });
  const [lng, lat] = (task.location as { coordinates: [number, number] }).coordinates;
  expect(Math.abs(lng - POINT[0]) < 0.001 && Math.abs(lat - POINT[1]) < 0.001).toBe(true);
  // 临平 sees its own task open, under 我发起的.
  await pl.waitForSelector(`[data-testid=task-panel][data-task="${id}"] [data-testid=task-status]:text-is("待响应")`);
  await pl.waitForSelector(`[data-testid=task-row][data-task="${id}"][data-unread=false]`);

  // 德清: the task arrives in the inbox, unread, with a badge (and the new-task sound).
  await pd.waitForSelector(`[data-testid=task-row][data-task="${id}"][data-unread=true]`);
  expect(await pd.textContent('[data-testid=task-unread]')).toBe('1');
  expect(await pd.getAttribute('[data-testid=task-inbox]', 'data-arrivals')).toBe('1');
  expect(await pd.textContent(`[data-testid=task-row][data-task="${id}"] [data-testid=task-row-status]`)).toBe(
    '待响应',
  );
  // The map shows it too.
  await expect
    .poll(() =>
      pd.evaluate(() =>
        (window as unknown as PageHooks)
          .jointmapMap!.querySourceFeatures('tasks')
          .map((f) => [f.properties.key, f.properties.status]),
      ),
    )
    .toContainEqual([`linping-yunhe/${id}`, 'open']);

  // Opening it reads it; 德清 accepts with one of its units.
  await pd.click(`[data-testid=task-row][data-task="${id}"]`);
  await pd.waitForSelector(`[data-testid=task-panel][data-task="${id}"]`);
  expect(await pd.locator('[data-testid=task-unread]').count()).toBe(0);
  await pd.check('[data-testid=answer-unit][value=yuyue-car-01]');
  // Declining needs a reason: refused with a message, nothing written.
  await pd.click('[data-testid=answer-declined]');
  expect(await pd.textContent('[data-testid=answer-error]')).toBe('拒绝时请填写原因');
  await pd.click('[data-testid=answer-accepted]');
  await pd.waitForSelector(`[data-testid=task-panel][data-task="${id}"] [data-testid=task-status]:text-is("已接单")`);

  // 临平's console: derived status 已接单, in the panel and in its list.
  await pl.waitForSelector(`[data-testid=task-panel][data-task="${id}"] [data-testid=task-status]:text-is("已接单")`);
  expect(await pl.textContent(`[data-testid=task-row][data-task="${id}"] [data-testid=task-row-status]`)).toBe(
    '已接单',
  );
  expect(
    await pl.textContent(`[data-testid=task-target-answer][data-station=deqing-yuyue][data-status=accepted]`),
  ).toContain('禹越巡01');

  // The wall's board: the task, its status, the unit on it.
  const row = `[data-testid=task-board-row][data-task="${id}"]`;
  await pw.waitForSelector(`${row}[data-status=accepted]`);
  expect(await pw.textContent(`${row} [data-testid=task-board-status]`)).toBe('已接单');
  expect(await pw.textContent(`${row} [data-testid=task-board-units]`)).toBe('禹越巡01');
  expect(await pw.textContent(`${row} .title`)).toBe(TITLE);

  // The timeline (replayed by the server from the update log) names who did what.
  const expected: Array<[string, string]> = [
    ['运河值班民警', `发起任务“${TITLE}”，目标：德清禹越`],
    ['禹越值班民警', '德清禹越已接单，派出 禹越巡01'],
    ['禹越值班民警', '派出 禹越巡01'],
  ];
  await expect.poll(() => timelineOf(pd), { timeout: 10_000 }).toEqual(expected);
  await expect.poll(() => timelineOf(pl), { timeout: 10_000 }).toEqual(expected);

  await pl.screenshot({ path: 'test-results/tasks-linping.png' });
  await pd.screenshot({ path: 'test-results/tasks-deqing.png' });
  await pw.screenshot({ path: 'test-results/tasks-wall.png' });
  expect([...l.guard.outside, ...d.guard.outside, ...w.guard.outside]).toEqual([]);
});
