import { expect, test } from 'vitest';
import { answerTask, applyChange, docName, type ResponseStatus, type Task } from '@jointmap/shared';
import { assertClientBuilt, launchBrowser, loginAs, newContext } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD, startServer, type TestServer } from '../helpers/server.ts';
import { connectClient } from '../helpers/sync-client.ts';
import { JUNCTION, offset, raiseTask, sendFix } from './dispatch-scene.ts';

/** 禹越 answers the task from a stock y-websocket client, as its own console would. */
async function answerAsYuyue(server: TestServer, task: Task, status: ResponseStatus): Promise<void> {
  const login = await server.login('deqing');
  const client = await connectClient(null, server.wsUrl, docName(DEMO_OP, 'deqing-yuyue'), login.token);
  try {
    const { key, value } = answerTask(task, 'deqing-yuyue', status, login.user.id, Date.now());
    applyChange(
      client.doc,
      'station',
      { type: 'put', map: 'responses', key, value },
      {
        source: 'session',
        sessionId: `answer-${task.id}`,
        userId: login.user.id,
      },
    );
    const reader = await connectClient(null, server.wsUrl, docName(DEMO_OP, 'deqing-yuyue'), login.token);
    await expect.poll(() => reader.doc.getMap('responses').get(key), { timeout: 10_000 }).toMatchObject({ status });
    reader.destroy();
  } finally {
    client.destroy();
  }
}

test('a task one target station resolved has ended for the others: 洲泉 sends no unit to it from the dispatch panel or with its answer, until 禹越 answers again', async (t) => {
  assertClientBuilt();
  const server = await startServer(t, { simulate: false, staleAfterMs: 600_000, lostAfterMs: 1_200_000 });
  const incident = offset(JUNCTION, 400, -300);
  const task = await raiseTask(server, 'linping', 'linping-yunhe', {
    title: '运河路口聚众斗殴',
    location: { type: 'Point', coordinates: incident },
    priority: 'urgent',
    targetStations: ['deqing-yuyue', 'tongxiang-zhouquan'],
  });
  await sendFix(server.url, 'demo-zhouquan-01', offset(incident, 0, -2000));
  await answerAsYuyue(server, task, 'resolved');

  const browser = await launchBrowser(t);
  const { context, guard } = await newContext(browser);
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  await loginAs(page, server.url, 'tongxiang', DEMO_PASSWORD, `#/op/${DEMO_OP}`);
  await page.waitForSelector('[data-testid=connection][data-state=online]');
  await page.click(`[data-testid=task-row][data-task="${task.id}"]`);
  // The task's own state is still open; 禹越's 办结 ends it, as the server's release reads it.
  expect(await page.textContent('[data-testid=dispatch-closed]')).toBe('任务已结束，不再派警');
  expect(await page.locator('[data-testid=dispatch-submit]').count()).toBe(0);
  const answer = page.locator('[data-testid=task-answer][data-station=tongxiang-zhouquan]');
  expect(await answer.locator('[data-testid=answer-units-ended]').textContent()).toBe(
    '其他站已办结此任务，不再随答复派警',
  );
  expect(await answer.locator('[data-testid=answer-unit]').count()).toBe(0);
  // 洲泉 may still answer (here 知悉), sending no unit with it.
  await answer.locator('[data-testid=answer-acknowledged]').click();
  await expect.poll(() => answer.locator('[data-testid=answer-acknowledged].current').count()).toBe(1);

  // 禹越 takes its 办结 back (到场): the task is live again, and 洲泉 can send its car.
  await answerAsYuyue(server, task, 'on_scene');
  await page.waitForSelector('[data-testid=dispatch-panel] [data-testid=dispatch-row][data-unit=zhouquan-car-01]');
  await expect.poll(() => page.locator('[data-testid=dispatch-closed]').count()).toBe(0);
  expect(await page.locator('[data-testid=rejections]').count()).toBe(0);
  expect(guard.outside).toEqual([]);
}, 120_000);
