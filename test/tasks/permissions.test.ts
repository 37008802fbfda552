import { describe, expect, test } from 'vitest';
import type { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import {
  AppError,
  canDispatchUnit,
  COMMAND_SCOPE,
  dispatchChanges,
  responseKey,
  type Principal,
  type RecordChange,
  type Unit,
} from '@jointmap/shared';
import { eventually } from '../helpers/sync-client.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { DEMO_OP, startServer, type TestServer } from '../helpers/server.ts';
import { expectOnEvery, newTaskId, OperationConsole, type ConsoleState } from '../helpers/op-console.ts';
import { answer, DEQING, LINPING, missingPersonTask, raise, taskView, TONGXIANG, tricounty } from '../helpers/tasks.ts';

const ZHOUQUAN_CAR = 'zhouquan-car-01';

/** Users who wrote to a document, from the server's stored update log. */
function storedWriters(server: TestServer, doc: string): string[] {
  const rows = (server.ctx.storage as SqliteStorage).db
    .prepare('SELECT DISTINCT user_id FROM doc_updates WHERE doc = ? AND user_id IS NOT NULL ORDER BY user_id')
    .all(doc) as { user_id: string }[];
  return rows.map((r) => r.user_id);
}

const without = (state: ConsoleState, scope: string): ConsoleState =>
  Object.fromEntries(Object.entries(state).filter(([s]) => s !== scope));

const codeOf = (fn: () => void): string | null => {
  try {
    fn();
    return null;
  } catch (err) {
    return err instanceof AppError ? err.code : String(err);
  }
};

describe('task and dispatch permissions on the wire', () => {
  test('a 德清 dispatcher dispatching a 桐乡 unit is refused FORBIDDEN and nobody ever sees it, also after a restart', async (t) => {
    const { server, linping, deqing, tongxiang, commander, wall, all } = await tricounty(t);
    const others = [linping, tongxiang, commander, wall];
    const task = raise(linping, missingPersonTask(newTaskId()));
    const original = deqing.unit(ZHOUQUAN_CAR)!;
    expect([original.stationId, original.status, original.assignedTaskId]).toEqual([TONGXIANG, 'available', null]);
    // What the console's buttons go by says no …
    expect(canDispatchUnit(deqing.user as Principal, original)).toBe(false);
    // … but a client that writes anyway gets a change the schema accepts, for 桐乡's document.
    const changes = dispatchChanges([original], task.id, Date.now());
    expect([...changes.keys()]).toEqual([TONGXIANG]);
    deqing.write(TONGXIANG, changes.get(TONGXIANG)!);
    expect(deqing.unit(ZHOUQUAN_CAR)!.assignedTaskId).toBe(task.id);

    await eventually(() => deqing.rejections().length > 0, 5000, 'FORBIDDEN');
    expect(deqing.rejections().map((r) => [r.scope, r.code])).toEqual([[TONGXIANG, 'FORBIDDEN']]);
    // 桐乡 writes its own document after the refusal: once that arrived, the refused update would have too.
    const ack = answer(tongxiang, task, 'acknowledged');
    await expectOnEvery(
      others,
      taskView(task),
      { task, responses: { [DEQING]: null, [TONGXIANG]: ack }, status: 'acknowledged' },
      'marker',
    );
    await expectOnEvery(others, (c) => c.unit(ZHOUQUAN_CAR), original, '桐乡 unit untouched');
    // 德清 agrees with everyone on every other document.
    expect(without(deqing.state(), TONGXIANG)).toEqual(without(linping.state(), TONGXIANG));
    // Stored: the demo roster (seeded as the commander) and 桐乡's answer; nothing of 德清's.
    expect(storedWriters(server, `${DEMO_OP}/${TONGXIANG}`)).toEqual(['u-commander', 'u-tongxiang']);

    // Restart on the same data. The consoles follow the server; 德清's copy still holds the
    // refused edit and offers it again when it syncs: refused again.
    await server.close();
    const again = await startServer(t, { dataDir: server.dataDir });
    await Promise.all(all.map((c) => c.connect(again.wsUrl)));
    await eventually(() => deqing.rejections().length > 1, 5000, 'FORBIDDEN after restart');
    expect(deqing.rejections().map((r) => [r.scope, r.code])).toEqual([
      [TONGXIANG, 'FORBIDDEN'],
      [TONGXIANG, 'FORBIDDEN'],
    ]);
    const ack2 = answer(tongxiang, task, 'accepted');
    const fresh = await OperationConsole.open(t, again, 'wall');
    const after = [...others, fresh];
    await expectOnEvery(
      after,
      taskView(task),
      { task, responses: { [DEQING]: null, [TONGXIANG]: ack2 }, status: 'accepted' },
      'marker after restart',
    );
    await expectOnEvery(after, (c) => c.unit(ZHOUQUAN_CAR), original, '桐乡 unit untouched after restart');
    expect(storedWriters(again, `${DEMO_OP}/${TONGXIANG}`)).toEqual(['u-commander', 'u-tongxiang']);
    for (const c of after)
      expect({ who: c.username, rejections: c.rejections() }).toEqual({ who: c.username, rejections: [] });
  });

  test('a 德清 answer naming a 桐乡 unit is refused INVALID_PAYLOAD and 德清 converges back to its valid answer', async (t) => {
    const { linping, deqing, all } = await tricounty(t);
    const task = raise(linping, missingPersonTask(newTaskId()));
    const valid = answer(deqing, task, 'acknowledged');
    const view = taskView(task);
    const acknowledged = { task, responses: { [DEQING]: valid, [TONGXIANG]: null }, status: 'acknowledged' as const };
    await expectOnEvery(all, view, acknowledged, 'acknowledged');

    const key = responseKey(task.stationId, task.id);
    const forged = { ...valid, status: 'accepted', unitIds: ['yuyue-car-01', ZHOUQUAN_CAR], updatedAt: Date.now() };
    const put: RecordChange = { type: 'put', map: 'responses', key, value: forged };
    // The local check refuses it (the roster check of the schema) …
    expect(codeOf(() => deqing.write(DEQING, put))).toBe('INVALID_PAYLOAD');
    expect(view(deqing)).toEqual(acknowledged);
    // … and so does the server when a client sends it anyway.
    deqing.writeRaw(DEQING, 'responses', key, forged);
    expect(view(deqing).responses[DEQING]).toEqual(forged);
    await eventually(() => deqing.rejections().length > 0, 5000, 'INVALID_PAYLOAD');
    expect(deqing.rejections()).toEqual([
      {
        scope: DEQING,
        code: 'INVALID_PAYLOAD',
        message: `responses/${key}: unit "${ZHOUQUAN_CAR}" is not in this station's roster`,
      },
    ]);
    await expectOnEvery(all, view, acknowledged, 'converged back');
    // A valid answer naming its own unit goes through.
    const accepted = answer(deqing, task, 'accepted', { unitIds: ['yuyue-car-01'] });
    await expectOnEvery(
      all,
      view,
      { task, responses: { [DEQING]: accepted, [TONGXIANG]: null }, status: 'accepted' },
      'own unit accepted',
    );
    expect(deqing.rejections()).toHaveLength(1);
  });

  test('a commander dispatches units of two stations in one action and every console sees both', async (t) => {
    const { linping, deqing, tongxiang, commander, all } = await tricounty(t);
    const task = raise(linping, missingPersonTask(newTaskId()));
    const units = ['yuyue-car-01', ZHOUQUAN_CAR].map((id) => commander.unit(id)!);
    expect(units.every((u) => canDispatchUnit(commander.user as Principal, u))).toBe(true);
    const changes = dispatchChanges(units, task.id, Date.now());
    expect([...changes.keys()].sort()).toEqual([DEQING, TONGXIANG]);
    for (const [scope, change] of changes) commander.write(scope, change);
    const expected: Unit[] = units.map((u) => ({ ...commander.unit(u.id)! }));
    expect(expected.map((u) => [u.id, u.stationId, u.status, u.assignedTaskId])).toEqual([
      ['yuyue-car-01', DEQING, 'en_route', task.id],
      [ZHOUQUAN_CAR, TONGXIANG, 'en_route', task.id],
    ]);
    await expectOnEvery(all, (c) => units.map((u) => c.unit(u.id)), expected, 'both dispatched');
    // Each unit record lives in its own station's document.
    for (const c of [deqing, tongxiang, linping])
      expect([
        c.doc(DEQING).getMap('units').get('yuyue-car-01'),
        c.doc(TONGXIANG).getMap('units').get(ZHOUQUAN_CAR),
      ]).toEqual(expected);
    expect(all.flatMap((c) => c.rejections())).toEqual([]);
  });

  test('the wall display can write nothing: every document refuses it and nobody sees its writes', async (t) => {
    const { server, linping, deqing, tongxiang, commander, wall } = await tricounty(t);
    const others = [linping, deqing, tongxiang, commander];
    const task = missingPersonTask(newTaskId());
    // A task of the command document, a task, an answer and a unit change in station documents.
    wall.write(COMMAND_SCOPE, { type: 'put', map: 'tasks', key: task.id, value: { ...task, stationId: 'command' } });
    wall.write(LINPING, { type: 'put', map: 'tasks', key: task.id, value: task });
    wall.write(DEQING, {
      type: 'put',
      map: 'responses',
      key: responseKey(LINPING, task.id),
      value: {
        taskId: task.id,
        taskStationId: LINPING,
        stationId: DEQING,
        status: 'accepted',
        unitIds: [],
        note: '',
        updatedBy: 'u-wall',
        updatedAt: 1,
      },
    });
    wall.write(TONGXIANG, dispatchChanges([wall.unit(ZHOUQUAN_CAR)!], task.id, Date.now()).get(TONGXIANG)!);
    await eventually(() => wall.rejections().length >= 4, 5000, 'four refusals');
    expect(wall.rejections().map((r) => [r.scope, r.code])).toEqual([
      [COMMAND_SCOPE, 'FORBIDDEN'],
      [DEQING, 'FORBIDDEN'],
      [LINPING, 'FORBIDDEN'],
      [TONGXIANG, 'FORBIDDEN'],
    ]);

    // Markers written by the commander in every document, after the refusals.
    const marker = pointAnnotation('after-wall', '大屏写入之后');
    for (const scope of commander.scopes)
      commander.write(scope, { type: 'put', map: 'annotations', key: marker.id, value: marker });
    await expectOnEvery(
      others,
      (c) => c.scopes.map((s) => c.doc(s).getMap('annotations').get(marker.id)),
      commander.scopes.map(() => marker),
      'markers',
    );
    for (const c of others) {
      expect(c.task(LINPING, task.id)).toBeUndefined();
      expect(c.task('command', task.id)).toBeUndefined();
      expect(c.doc(DEQING).getMap('responses').size).toBe(0);
      expect(c.unit(ZHOUQUAN_CAR)?.assignedTaskId).toBeNull();
    }
    for (const scope of commander.scopes) expect(storedWriters(server, `${DEMO_OP}/${scope}`)).not.toContain('u-wall');
  });
});
