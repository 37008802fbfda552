import { describe, expect, test } from 'vitest';
import { dispatchChanges, type Task } from '@jointmap/shared';
import { expectOnEvery, newTaskId, type OperationConsole } from '../helpers/op-console.ts';
import { eventually } from '../helpers/sync-client.ts';
import { DEMO_OP } from '../helpers/server.ts';
import { answer, LINPING, missingPersonTask, raise, TONGXIANG, tricounty } from '../helpers/tasks.ts';

/**
 * A task a target station resolved (办结) is reopened by the raising station: it is live again for
 * every console and for the server's release of units on ended tasks, though the raising station
 * cannot rewrite the target's answer (it lives in that station's document).
 */

const assignment = (c: OperationConsole, id: string) => {
  const u = c.unit(id);
  return u ? [u.status, u.assignedTaskId] : null;
};

/** A later millisecond than `after` (the reopen follows the answer it sets aside). */
async function later(after: number): Promise<number> {
  while (Date.now() <= after) await new Promise((r) => setTimeout(r, 1));
  return Date.now();
}

describe('reopening a task a target resolved', () => {
  test('德清 resolves, 临平 closes and reopens: open on every console, and 桐乡’s unit sent after the reopen stays on it', async (t) => {
    const { linping, deqing, tongxiang, all, server } = await tricounty(t);
    const task = raise(linping, missingPersonTask(newTaskId()));
    await eventually(() => !!deqing.task(LINPING, task.id), 10_000, '德清 to see the task');

    const resolved = answer(deqing, task, 'resolved', { note: '老人已安全交还家属' });
    await expectOnEvery(all, (c) => c.status(LINPING, task.id), 'resolved', '德清’s 办结');

    // 临平 closes it, then reopens it as its console does: `reopenedAt` stamped on the reopen.
    const closedAt = await later(resolved.updatedAt);
    const closed: Task = { ...task, state: 'closed', updatedAt: closedAt };
    raise(linping, closed);
    await expectOnEvery(all, (c) => c.task(LINPING, task.id)?.state, 'closed', 'closed');
    const reopenedAt = await later(closedAt);
    raise(linping, { ...closed, state: 'open', reopenedAt, updatedAt: reopenedAt });
    await expectOnEvery(all, (c) => c.status(LINPING, task.id), 'open', 'reopened');
    // 德清’s 办结 is still in its document, as history.
    expect(deqing.responses().find((r) => r.taskId === task.id)?.status).toBe('resolved');

    // 桐乡 sends a unit to the reopened task: the server does not release it.
    const car = tongxiang.unit('zhouquan-car-01')!;
    tongxiang.write(TONGXIANG, dispatchChanges([car], task.id, Date.now()).get(TONGXIANG)!);
    await expectOnEvery(all, (c) => assignment(c, 'zhouquan-car-01'), ['en_route', task.id], '洲泉巡01 sent');
    // The release that followed the dispatch has run; another pass finds nothing to release.
    await server.endedRelease.idle();
    expect(await server.endedRelease.release(DEMO_OP)).toBe(0);
    await expectOnEvery(all, (c) => assignment(c, 'zhouquan-car-01'), ['en_route', task.id], '洲泉巡01 still sent');

    // A new 办结 after the reopen ends it again, and the unit is released.
    answer(deqing, task, 'resolved', { note: '复核完毕' });
    await expectOnEvery(all, (c) => c.status(LINPING, task.id), 'resolved', 'resolved again');
    await expectOnEvery(all, (c) => assignment(c, 'zhouquan-car-01'), ['available', null], '洲泉巡01 released');
  });
});
