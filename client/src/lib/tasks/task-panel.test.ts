// @vitest-environment jsdom
import { expect, onTestFinished, test } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { responseKey, type Task, type TaskResponse } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { offlineCommanderSession } from '../state/offline-session-harness.test-support.ts';
import TaskPanel from './TaskPanel.svelte';
import { TaskDesk } from './task-desk.svelte.ts';
import { buildTaskViews } from './task-views.ts';

const task: Task = fixtures.missingPersonTask({
  id: 't-1',
  stationId: 'command',
  targetStations: ['deqing-yuyue'],
  createdBy: 'u-cmd',
});

test('a task its target marked 办结 while still open can be reopened from its panel, and is live again', () => {
  const session = offlineCommanderSession(['deqing-yuyue']);
  session.write('command', { type: 'put', map: 'tasks', key: task.id, value: task });
  const answer: TaskResponse = {
    taskId: task.id,
    taskStationId: 'command',
    stationId: 'deqing-yuyue',
    status: 'resolved',
    unitIds: [],
    note: '',
    updatedBy: 'u-deqing',
    updatedAt: 1_700_000_000_500,
  };
  session.write('deqing-yuyue', { type: 'put', map: 'responses', key: responseKey('command', task.id), value: answer });
  const view = () =>
    buildTaskViews(
      session.records<Task>('tasks'),
      session.records<TaskResponse>('responses').map((r) => r.record),
    ).find((v) => v.task.id === task.id)!;
  expect(view().status).toBe('resolved');

  const target = document.createElement('div');
  document.body.append(target);
  const app = mount(TaskPanel, { target, props: { desk: new TaskDesk(session), view: view() } });
  flushSync();
  onTestFinished(() => {
    unmount(app);
    target.remove();
  });
  const reopen = target.querySelector<HTMLButtonElement>('[data-testid="task-reopen"]');
  expect(reopen).not.toBeNull();
  reopen!.click();
  flushSync();
  expect(view().status).toBe('open');
  expect(view().task.reopenedAt).toBeGreaterThan(answer.updatedAt);
});
