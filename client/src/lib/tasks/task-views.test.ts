import { describe, expect, test } from 'vitest';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { buildTaskViews, inboxOf, isUnread, raisedBy, unitsOnTask, type Viewer } from './task-views.ts';

const deqing: Viewer = { id: 'u-deqing', role: 'dispatcher', stationId: 'deqing-yuyue' };
const linping: Viewer = { id: 'u-linping', role: 'dispatcher', stationId: 'linping-yunhe' };
const commander: Viewer = { id: 'u-commander', role: 'commander', stationId: null };

function scene() {
  const fromLinping = fixtures.missingPersonTask({ id: 't-aaaaaaaaaa', createdAt: 100 });
  const fromDeqing = fixtures.missingPersonTask({
    id: 't-bbbbbbbbbb',
    stationId: 'deqing-yuyue',
    targetStations: ['tongxiang-zhouquan'],
    createdBy: 'u-deqing',
    createdAt: 300,
  });
  const fromCommand = fixtures.missingPersonTask({
    id: 't-cccccccccc',
    stationId: 'command',
    targetStations: ['deqing-yuyue'],
    createdBy: 'u-commander',
    createdAt: 200,
  });
  const tasks = [
    { scope: 'linping-yunhe', record: fromLinping },
    { scope: 'deqing-yuyue', record: fromDeqing },
    { scope: 'command', record: fromCommand },
  ];
  const responses = [
    fixtures.response({ taskId: fromLinping.id, status: 'acknowledged', updatedAt: 110 }),
    fixtures.response({ taskId: fromLinping.id, status: 'accepted', updatedAt: 120 }),
    // Not a target of that task, and an answer to a task id under another raising station.
    fixtures.response({ taskId: fromLinping.id, stationId: 'linping-yunhe', status: 'resolved', updatedAt: 130 }),
    fixtures.response({ taskId: fromDeqing.id, taskStationId: 'linping-yunhe', stationId: 'tongxiang-zhouquan' }),
  ];
  return { fromLinping, fromDeqing, fromCommand, views: buildTaskViews(tasks, responses) };
}

describe('buildTaskViews', () => {
  test('newest first, each with its derived status and the latest answer of each target station', () => {
    const { fromLinping, fromDeqing, fromCommand, views } = scene();
    expect(views.map((v) => [v.scope, v.task.id, v.status])).toEqual([
      ['deqing-yuyue', fromDeqing.id, 'open'],
      ['command', fromCommand.id, 'open'],
      ['linping-yunhe', fromLinping.id, 'accepted'],
    ]);
    expect([...views[2]!.responses]).toEqual([
      ['deqing-yuyue', fixtures.response({ taskId: fromLinping.id, status: 'accepted', updatedAt: 120 })],
    ]);
    expect([...views[0]!.responses]).toEqual([]);
  });
});

describe('inbox and raised lists', () => {
  test('a dispatcher gets the tasks that target its station; a commander every task', () => {
    const { fromLinping, fromDeqing, fromCommand, views } = scene();
    expect(inboxOf(views, deqing).map((v) => v.task.id)).toEqual([fromCommand.id, fromLinping.id]);
    expect(inboxOf(views, linping).map((v) => v.task.id)).toEqual([]);
    expect(inboxOf(views, commander).map((v) => v.task.id)).toEqual([fromDeqing.id, fromCommand.id, fromLinping.id]);
  });
  test('raised: my station’s tasks, the command’s for a commander, nothing for a viewer', () => {
    const { fromLinping, fromDeqing, fromCommand, views } = scene();
    expect(raisedBy(views, linping).map((v) => v.task.id)).toEqual([fromLinping.id]);
    expect(raisedBy(views, deqing).map((v) => v.task.id)).toEqual([fromDeqing.id]);
    expect(raisedBy(views, commander).map((v) => v.task.id)).toEqual([fromCommand.id]);
    expect(raisedBy(views, { id: 'u-wall', role: 'viewer', stationId: null })).toEqual([]);
  });
  test('unread until opened, never for a task I raised myself', () => {
    const { views } = scene();
    const [byDeqing, byCommand] = views;
    expect(isUnread(byCommand!, deqing, new Set())).toBe(true);
    expect(isUnread(byCommand!, deqing, new Set([byCommand!.task.id]))).toBe(false);
    expect(isUnread(byDeqing!, deqing, new Set())).toBe(false);
  });
});

test('units on a task are those assigned to it, by station then callsign', () => {
  const units = [
    fixtures.unit({ id: 'a', callsign: '禹越巡02', assignedTaskId: 't-1' }),
    fixtures.unit({ id: 'b', callsign: '洲泉巡01', stationId: 'tongxiang-zhouquan', assignedTaskId: 't-1' }),
    fixtures.unit({ id: 'c', callsign: '禹越巡01', assignedTaskId: 't-1' }),
    fixtures.unit({ id: 'd', callsign: '禹越巡03', assignedTaskId: 't-2' }),
    fixtures.unit({ id: 'e', callsign: '禹越巡04' }),
  ];
  expect(unitsOnTask(units, 't-1').map((u) => u.id)).toEqual(['c', 'a', 'b']);
});
