import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { applyChange, dispatchChanges, docName, readMap, type Change, type Unit } from '@jointmap/shared';
import { newTaskId, openConsoles, type OperationConsole } from '../helpers/op-console.ts';
import { DEMO_OP, startServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/sync-client.ts';
import { answer, DEQING, LINPING, missingPersonTask, raise, TONGXIANG } from '../helpers/tasks.ts';

/**
 * Units left on a task that ended are released by the server, in their own station's document,
 * whether or not a console of that station is open: the commander's boards and the wall see them
 * free at once.
 */

/** The change that sends `unitIds` of the console's own station to `taskId`, as it sees them. */
function reassign(c: OperationConsole, unitIds: string[], taskId: string): Change {
  const units = unitIds.map((id) => c.unit(id)!);
  return dispatchChanges(units, taskId, Date.now()).get(c.user.stationId!)!;
}

/** Send `unitIds` of the console's own station to `taskId` (one change in its own document). */
function send(c: OperationConsole, unitIds: string[], taskId: string): void {
  c.write(c.user.stationId!, reassign(c, unitIds, taskId));
}

/** Make a change in `doc` as the Yjs client `clientId` (a console keeps its own id for presence). */
function writeAs(clientId: number, doc: Y.Doc, write: (doc: Y.Doc) => void): void {
  const writer = new Y.Doc();
  writer.clientID = clientId;
  Y.applyUpdate(writer, Y.encodeStateAsUpdate(doc));
  write(writer);
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(writer, Y.encodeStateVector(doc)));
  writer.destroy();
}

const assignment = (c: OperationConsole, id: string) => {
  const u = c.unit(id);
  return u ? [u.status, u.assignedTaskId] : null;
};

/** Authors (user ids) of the updates of a station document that changed unit `unitId`, oldest first. */
async function unitAuthors(server: TestServer, stationId: string, unitId: string): Promise<Array<string | null>> {
  const doc = new Y.Doc();
  const authors: Array<string | null> = [];
  for (const u of await server.ctx.storage.readUpdateLog(docName(DEMO_OP, stationId))) {
    const before = JSON.stringify(readMap<Unit>(doc, 'units').get(unitId));
    Y.applyUpdate(doc, u.update);
    if (JSON.stringify(readMap<Unit>(doc, 'units').get(unitId)) !== before) authors.push(u.userId);
  }
  return authors;
}

describe('units on an ended task are released by the server', () => {
  test('临平 closes its task while 德清 has no console open: 德清’s unit on it is released, its unit on another task is not', async (t) => {
    const server = await startServer(t);
    const [linping, deqing, commander, wall] = await openConsoles(t, server, [
      'linping',
      'deqing',
      'commander',
      'wall',
    ]);
    const closing = raise(linping!, missingPersonTask(newTaskId()));
    const other = raise(linping!, missingPersonTask(newTaskId(), { title: '另一起协查' }));
    await eventually(() => !!deqing!.task(LINPING, other.id), 10_000, '德清 to see both tasks');
    send(deqing!, ['yuyue-car-01'], closing.id);
    send(deqing!, ['drone-01'], other.id);
    answer(deqing!, closing, 'accepted', { unitIds: ['yuyue-car-01'] });
    await eventually(
      () =>
        assignment(commander!, 'yuyue-car-01')?.[1] === closing.id &&
        assignment(commander!, 'drone-01')?.[1] === other.id,
      10_000,
      'the commander to see both units sent',
    );
    deqing!.destroy();

    raise(linping!, { ...closing, state: 'closed', updatedAt: Date.now() });
    for (const c of [commander!, wall!, linping!]) {
      await eventually(
        () => assignment(c, 'yuyue-car-01')?.[1] === null,
        10_000,
        `${c.username} to see 禹越巡01 released`,
      );
      expect(assignment(c, 'yuyue-car-01')).toEqual(['available', null]);
      expect(assignment(c, 'drone-01')).toEqual(['en_route', other.id]);
    }
    // Written by the server (no user), after 德清's own dispatch.
    expect((await unitAuthors(server, DEQING, 'yuyue-car-01')).slice(-2)).toEqual(['u-deqing', null]);
  });

  test('德清 resolves the task: 桐乡’s unit on it is released though 桐乡’s console is closed', async (t) => {
    const server = await startServer(t);
    const [linping, deqing, tongxiang, commander] = await openConsoles(t, server, [
      'linping',
      'deqing',
      'tongxiang',
      'commander',
    ]);
    const task = raise(linping!, missingPersonTask(newTaskId()));
    await eventually(() => !!tongxiang!.task(LINPING, task.id), 10_000, '桐乡 to see the task');
    send(tongxiang!, ['zhouquan-car-01'], task.id);
    answer(tongxiang!, task, 'accepted', { unitIds: ['zhouquan-car-01'] });
    await eventually(() => assignment(commander!, 'zhouquan-car-01')?.[1] === task.id, 10_000, 'the unit sent');
    tongxiang!.destroy();

    answer(deqing!, task, 'resolved', { note: '老人已安全交还家属' });
    await eventually(() => assignment(commander!, 'zhouquan-car-01')?.[1] === null, 10_000, '洲泉巡01 released');
    expect(assignment(commander!, 'zhouquan-car-01')).toEqual(['available', null]);
    expect((await unitAuthors(server, TONGXIANG, 'zhouquan-car-01')).at(-1)).toBeNull();
  });

  test('a unit an offline console sent to a task that had already been cancelled is released when its write arrives', async (t) => {
    const server = await startServer(t);
    const [linping, deqing, commander] = await openConsoles(t, server, ['linping', 'deqing', 'commander']);
    const task = raise(linping!, missingPersonTask(newTaskId()));
    await eventually(() => !!deqing!.task(LINPING, task.id), 10_000, '德清 to see the task');

    deqing!.disconnect();
    raise(linping!, { ...task, state: 'cancelled', updatedAt: Date.now() });
    await eventually(() => commander!.task(LINPING, task.id)?.state === 'cancelled', 10_000, 'the task cancelled');
    // Offline, 德清 still sees the task open and sends a unit to it.
    expect(deqing!.task(LINPING, task.id)?.state).toBe('open');
    send(deqing!, ['yuyue-foot-02'], task.id);
    expect(assignment(deqing!, 'yuyue-foot-02')).toEqual(['en_route', task.id]);

    await deqing!.connect();
    for (const c of [commander!, deqing!]) {
      await eventually(() => assignment(c, 'yuyue-foot-02')?.[1] === null, 10_000, `${c.username} to see it released`);
      expect(assignment(c, 'yuyue-foot-02')).toEqual(['available', null]);
    }
    expect((await unitAuthors(server, DEQING, 'yuyue-foot-02')).slice(-2)).toEqual(['u-deqing', null]);
  });
  test('临平 closes its task while offline: 德清’s unit on it is released once the close reaches the server', async (t) => {
    const server = await startServer(t);
    const [linping, deqing, commander] = await openConsoles(t, server, ['linping', 'deqing', 'commander']);
    const task = raise(linping!, missingPersonTask(newTaskId()));
    await eventually(() => !!deqing!.task(LINPING, task.id), 10_000, '德清 to see the task');
    send(deqing!, ['yuyue-car-01'], task.id);
    await eventually(() => assignment(commander!, 'yuyue-car-01')?.[1] === task.id, 10_000, 'the unit sent');

    linping!.disconnect();
    raise(linping!, { ...task, state: 'closed', updatedAt: Date.now() });
    // Nobody has heard of the close yet: the unit stays on the task.
    await new Promise((r) => setTimeout(r, 1000));
    expect(assignment(commander!, 'yuyue-car-01')).toEqual(['en_route', task.id]);

    await linping!.connect();
    for (const c of [commander!, deqing!]) {
      await eventually(() => assignment(c, 'yuyue-car-01')?.[1] === null, 10_000, `${c.username} to see it released`);
      expect(assignment(c, 'yuyue-car-01')).toEqual(['available', null]);
    }
    expect((await unitAuthors(server, DEQING, 'yuyue-car-01')).slice(-2)).toEqual(['u-deqing', null]);
  });
  test('德清, offline, moves its unit from the task that closed to another: its choice survives the server’s release', async (t) => {
    const server = await startServer(t);
    const [linping, deqing, commander] = await openConsoles(t, server, ['linping', 'deqing', 'commander']);
    const closing = raise(linping!, missingPersonTask(newTaskId()));
    const next = raise(linping!, missingPersonTask(newTaskId(), { title: '另一起协查' }));
    await eventually(() => !!deqing!.task(LINPING, next.id), 10_000, '德清 to see both tasks');
    send(deqing!, ['yuyue-car-01'], closing.id);
    await eventually(() => assignment(commander!, 'yuyue-car-01')?.[1] === closing.id, 10_000, 'the unit sent');

    deqing!.disconnect();
    raise(linping!, { ...closing, state: 'closed', updatedAt: Date.now() });
    await eventually(() => assignment(commander!, 'yuyue-car-01')?.[1] === null, 10_000, 'the server’s release');
    // Offline, 德清 still sees its unit on the first task and moves it to the second, as a writer
    // whose id is lower than any the server's own document is likely to have (Yjs keeps the
    // concurrent write of the higher id) yet above the release's.
    expect(assignment(deqing!, 'yuyue-car-01')).toEqual(['en_route', closing.id]);
    writeAs(70_000, deqing!.doc(DEQING), (doc) =>
      applyChange(doc, 'station', reassign(deqing!, ['yuyue-car-01'], next.id), deqing!.origin, DEQING),
    );

    await deqing!.connect();
    for (const c of [commander!, deqing!, linping!])
      await eventually(() => assignment(c, 'yuyue-car-01')?.[1] === next.id, 10_000, `${c.username} to see it moved`);
    // And it stays there: the reconnection is followed by no second release.
    await new Promise((r) => setTimeout(r, 1000));
    for (const c of [commander!, deqing!, linping!])
      expect(assignment(c, 'yuyue-car-01')).toEqual(['en_route', next.id]);
    expect((await unitAuthors(server, DEQING, 'yuyue-car-01')).slice(-3)).toEqual(['u-deqing', null, 'u-deqing']);
  });
});
