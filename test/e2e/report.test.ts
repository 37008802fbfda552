import { expect, test } from 'vitest';
import { assertClientBuilt, launchBrowser, loginAs, newContext } from '../helpers/browser.ts';
import { DEMO_OP, DEMO_PASSWORD } from '../helpers/server.ts';
import { newTaskId } from '../helpers/op-console.ts';
import { eventually } from '../helpers/sync-client.ts';
import { answer, DEQING, LINPING, missingPersonTask, raise, tricounty } from '../helpers/tasks.ts';

test('the after-action report page shows tasks, response times, who changed what and a map of the operation, and prints to a PDF in Chinese with the bundled font', async (t) => {
  assertClientBuilt();
  const { server, linping, deqing } = await tricounty(t);
  const task = raise(linping, missingPersonTask(newTaskId(), { title: '走失老人协查（复盘演示）' }));
  await eventually(() => deqing.task(LINPING, task.id) !== undefined);
  answer(deqing, task, 'accepted');
  await eventually(() => linping.doc(DEQING).getMap('responses').size === 1);

  const browser = await launchBrowser(t);
  const { context, guard } = await newContext(browser);
  const page = await context.newPage();
  await loginAs(page, server.url, 'commander', DEMO_PASSWORD, `#/report/${DEMO_OP}`);
  await page.locator('[data-testid=report-tasks]').waitFor();
  expect(await page.locator('[data-testid=report-title]').textContent()).toContain('行动复盘报告');
  const tasks = (await page.locator('[data-testid=report-tasks]').textContent())!;
  expect(tasks).toContain('走失老人协查（复盘演示）');
  expect(tasks).toMatch(/德清禹越：已接单 \+(\d+ 秒|\d+ 分( \d+ 秒|钟))/);
  expect(await page.locator('[data-testid=report-response-times]').textContent()).toContain('德清禹越');
  expect(await page.locator('[data-testid=report-changes]').textContent()).toContain('运河值班民警');
  // The map at the end: the task's location is marked, with its title.
  await page.locator('[data-testid=report-map-task]').first().waitFor();
  expect(await page.locator('[data-testid=report-map]').textContent()).toContain('走失老人协查（复盘演示）');

  await page.emulateMedia({ media: 'print' });
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: 'test-results/report-print.png', fullPage: true });
  expect(await page.locator('nav').isVisible()).toBe(false);
  const pdf = (await page.pdf({ format: 'A4', printBackground: true })).toString('latin1');
  expect(pdf.startsWith('%PDF')).toBe(true);
  // The Chinese text is set in the bundled Noto Sans SC, embedded (subset) in the PDF.
  expect(pdf).toMatch(/\/BaseFont\s*\/[A-Z]{6}\+Noto-?Sans-?SC/i);
  expect(guard.outside).toEqual([]);
});
