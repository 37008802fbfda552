import { describe, expect, test } from 'vitest';
import {
  COMMAND_SCOPE,
  COMMAND_STATION_ID,
  dispatchChanges,
  releaseUnit,
  type Task,
  type TaskResponse,
  type TaskStatus,
  type Unit,
} from '@jointmap/shared';
import { expectOnEvery, newTaskId, type OperationConsole } from '../helpers/op-console.ts';
import {
  answer,
  DEQING,
  LINPING,
  missingPersonTask,
  raise,
  taskView,
  TONGXIANG,
  tricounty,
  type TaskView,
} from '../helpers/tasks.ts';

const noRejections = (all: OperationConsole[]) => {
  for (const c of all)
    expect({ who: c.username, rejections: c.rejections() }).toEqual({ who: c.username, rejections: [] });
};

describe('cross-district task lifecycle between real consoles', () => {
  test('临平 raises, 德清 and 桐乡 answer, 德清 dispatches, resolves, 临平 closes: the derived status is the same on every console at every step', async (t) => {
    const { linping, deqing, tongxiang, all } = await tricounty(t);

    let task = raise(linping, missingPersonTask(newTaskId()));
    const expected = (status: TaskStatus, responses: Record<string, TaskResponse>): TaskView => ({
      task,
      responses: { [DEQING]: null, [TONGXIANG]: null, ...responses },
      status,
    });
    await expectOnEvery(all, taskView(task), expected('open', {}), 'raised');

    let deqingAnswer = answer(deqing, task, 'acknowledged');
    await expectOnEvery(all, taskView(task), expected('acknowledged', { [DEQING]: deqingAnswer }), 'acknowledged');

    // 德清 accepts, 桐乡 declines with a reason.
    deqingAnswer = answer(deqing, task, 'accepted', { note: '禹越派出所接警，立即组织搜寻' });
    const declined = answer(tongxiang, task, 'declined', { note: '洲泉警力正在处置交通事故，无法增援' });
    expect([declined.status, declined.note]).toEqual(['declined', '洲泉警力正在处置交通事故，无法增援']);
    const answers = () => ({ [DEQING]: deqingAnswer, [TONGXIANG]: declined });
    await expectOnEvery(all, taskView(task), expected('accepted', answers()), 'accepted and declined');

    // 德清 dispatches two of its own units (one change, in its own document) and reports them.
    const sent = ['yuyue-car-01', 'drone-01'].map((id) => deqing.unit(id)!);
    expect(sent.map((u) => [u.stationId, u.status, u.assignedTaskId])).toEqual([
      [DEQING, 'available', null],
      [DEQING, 'available', null],
    ]);
    const changes = dispatchChanges(sent, task.id, Date.now());
    expect([...changes.keys()]).toEqual([DEQING]);
    deqing.write(DEQING, changes.get(DEQING)!);
    deqingAnswer = answer(deqing, task, 'accepted', { unitIds: sent.map((u) => u.id) });
    const unitsView = (c: OperationConsole) => sent.map((u) => c.unit(u.id));
    const enRoute = sent.map((u) => deqing.unit(u.id)!);
    expect(enRoute.map((u) => [u.id, u.status, u.assignedTaskId])).toEqual([
      ['yuyue-car-01', 'en_route', task.id],
      ['drone-01', 'en_route', task.id],
    ]);
    await expectOnEvery(all, unitsView, enRoute, 'units en route');
    await expectOnEvery(all, taskView(task), expected('accepted', answers()), 'dispatched');

    // On scene: the units and the answer.
    const onScene: Unit[] = enRoute.map((u) => ({ ...u, status: 'on_scene', updatedAt: Date.now() }));
    deqing.write(DEQING, {
      type: 'batch',
      changes: onScene.map((u) => ({ type: 'put', map: 'units', key: u.id, value: u })),
    });
    deqingAnswer = answer(deqing, task, 'on_scene', { note: '已到达村口，发现骑蓝色三轮车老人' });
    await expectOnEvery(all, unitsView, onScene, 'units on scene');
    await expectOnEvery(all, taskView(task), expected('on_scene', answers()), 'on scene');

    // Resolved: 德清 reports it and releases its units.
    const released = onScene.map((u) => releaseUnit(u, Date.now()));
    deqing.write(DEQING, {
      type: 'batch',
      changes: released.map((u) => ({ type: 'put', map: 'units', key: u.id, value: u })),
    });
    deqingAnswer = answer(deqing, task, 'resolved', { note: '老人已安全交还家属' });
    await expectOnEvery(all, unitsView, released, 'units released');
    await expectOnEvery(all, taskView(task), expected('resolved', answers()), 'resolved');

    // 临平 closes its task.
    task = raise(linping, { ...task, state: 'closed', updatedAt: Date.now() });
    await expectOnEvery(all, taskView(task), expected('resolved', answers()), 'closed');
    expect(all.map((c) => c.task(LINPING, task.id)?.state)).toEqual(all.map(() => 'closed'));
    noRejections(all);
  });

  test('concurrent answers: 德清 and 桐乡 answer in the same tick, every console converges to both records and one status', async (t) => {
    const { linping, deqing, tongxiang, all } = await tricounty(t);
    const task = raise(linping, missingPersonTask(newTaskId()));
    const view = taskView(task);
    await expectOnEvery(
      all,
      view,
      { task, responses: { [DEQING]: null, [TONGXIANG]: null }, status: 'open' },
      'raised',
    );

    // Same tick: both acknowledge.
    const a1 = answer(deqing, task, 'acknowledged');
    const b1 = answer(tongxiang, task, 'acknowledged');
    const both = { task, responses: { [DEQING]: a1, [TONGXIANG]: b1 }, status: 'acknowledged' as const };
    await expectOnEvery(all, view, both, 'both acknowledged');

    // Same tick: both decline. Only with both answers merged is the task `declined`.
    const a2 = answer(deqing, task, 'declined', { note: '禹越警力不足' });
    const b2 = answer(tongxiang, task, 'declined', { note: '不在洲泉辖区' });
    await expectOnEvery(
      all,
      view,
      { task, responses: { [DEQING]: a2, [TONGXIANG]: b2 }, status: 'declined' },
      'both declined',
    );
    noRejections(all);
  });

  test('offline station: 桐乡 answers while disconnected, 德清 answers meanwhile; on reconnect 桐乡’s answer merges and every console converges', async (t) => {
    const { linping, deqing, tongxiang, commander, wall, all } = await tricounty(t);
    const task = raise(linping, missingPersonTask(newTaskId()));
    const view = taskView(task);
    await expectOnEvery(
      all,
      view,
      { task, responses: { [DEQING]: null, [TONGXIANG]: null }, status: 'open' },
      'raised',
    );

    tongxiang.disconnect();
    expect(tongxiang.scopes.map((s) => tongxiang.client(s).provider.wsconnected)).toEqual([false, false, false, false]);
    // The offline console keeps working on its own Y.Docs.
    const offline = answer(tongxiang, task, 'accepted', { unitIds: ['zhouquan-car-01'], note: '洲泉巡01前往边界' });
    const meanwhile = answer(deqing, task, 'acknowledged');

    // The online consoles agree without 桐乡's answer; 桐乡 has not seen 德清's.
    const online = [linping, deqing, commander, wall];
    const withoutTongxiang: TaskView = {
      task,
      responses: { [DEQING]: meanwhile, [TONGXIANG]: null },
      status: 'acknowledged',
    };
    await expectOnEvery(online, view, withoutTongxiang, '桐乡 offline');
    expect(view(tongxiang)).toEqual({ task, responses: { [DEQING]: null, [TONGXIANG]: offline }, status: 'accepted' });

    await tongxiang.connect();
    const merged: TaskView = { task, responses: { [DEQING]: meanwhile, [TONGXIANG]: offline }, status: 'accepted' };
    await expectOnEvery(all, view, merged, 'merged after reconnect');
    noRejections(all);
  });

  test('a commander raises a task in the command document and the three stations answer it', async (t) => {
    const { linping, deqing, tongxiang, commander, all } = await tricounty(t);
    const task: Task = missingPersonTask(newTaskId(), {
      stationId: COMMAND_STATION_ID,
      title: '三地联合搜寻',
      targetStations: [DEQING, LINPING, TONGXIANG],
      createdBy: commander.user.id,
    });
    raise(commander, task);
    const view = taskView(task);
    const none = { [DEQING]: null, [LINPING]: null, [TONGXIANG]: null };
    await expectOnEvery(all, view, { task, responses: none, status: 'open' }, 'command task raised');
    expect(all.map((c) => c.doc(COMMAND_SCOPE).getMap('tasks').get(task.id))).toEqual(all.map(() => task));

    const a = answer(deqing, task, 'accepted', { unitIds: ['yuyue-car-01'] });
    const b = answer(linping, task, 'acknowledged');
    const c = answer(tongxiang, task, 'declined', { note: '洲泉警力已全部出动' });
    expect([a, b, c].map((r) => [r.taskStationId, r.stationId])).toEqual([
      [COMMAND_STATION_ID, DEQING],
      [COMMAND_STATION_ID, LINPING],
      [COMMAND_STATION_ID, TONGXIANG],
    ]);
    const answered: TaskView = { task, responses: { [DEQING]: a, [LINPING]: b, [TONGXIANG]: c }, status: 'accepted' };
    await expectOnEvery(all, view, answered, 'stations answered');
    noRejections(all);
  });
});
