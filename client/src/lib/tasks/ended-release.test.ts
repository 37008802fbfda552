import { afterEach, describe, expect, test, vi } from 'vitest';
import type { Change, Task, TaskResponse, Unit } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { EndedUnitRelease, type EndedReleaseSession } from './ended-release.ts';

const DEQING = 'deqing-yuyue';
const TONGXIANG = 'tongxiang-zhouquan';
const NOW = 1_700_000_500_000;
const task = fixtures.missingPersonTask({ id: 't-abcdefghij' });
const other = fixtures.missingPersonTask({ id: 't-other00000', title: '另一任务' });

/** The records of an operation as every console sees them once synced (one shared store). */
function operation(taskState: Task['state'] = 'open', responses: TaskResponse[] = []) {
  const units = new Map<string, Unit>(
    [
      fixtures.unit({ id: 'yuyue-car-01', status: 'en_route', assignedTaskId: task.id }),
      fixtures.unit({ id: 'zq-01', stationId: TONGXIANG, status: 'en_route', assignedTaskId: task.id }),
      fixtures.unit({ id: 'zq-02', stationId: TONGXIANG, status: 'en_route', assignedTaskId: other.id }),
      fixtures.unit({ id: 'zq-03', stationId: TONGXIANG }),
    ].map((u) => [`${u.stationId}/${u.id}`, u]),
  );
  const tasks = [{ ...task, state: taskState }, other];
  const writes: Array<{ scope: string; keys: string[] }> = [];
  const store = { units, tasks, responses, writes, online: true };
  /** A console of `user` (a dispatcher of its station, or a commander). */
  const consoleOf = (user: { role: 'dispatcher' | 'commander'; stationId: string | null }): EndedReleaseSession =>
    ({
      user,
      get connection() {
        return store.online ? 'online' : 'reconnecting';
      },
      canWrite: (scope: string) => user.role === 'commander' || scope === user.stationId,
      records: (map: string) =>
        map === 'units'
          ? [...units.values()].map((record) => ({ scope: record.stationId, record }))
          : map === 'tasks'
            ? store.tasks.map((record) => ({ scope: record.stationId, record }))
            : store.responses.map((record) => ({ scope: record.stationId, record })),
      write: (scope: string, change: Change) => {
        const puts = (change.type === 'batch' ? change.changes : [change]).filter((c) => c.type === 'put');
        for (const c of puts) units.set(`${scope}/${c.key}`, c.value as Unit);
        writes.push({ scope, keys: puts.map((c) => c.key) });
      },
    }) as unknown as EndedReleaseSession;
  return { store, consoleOf };
}

const tongxiang = { role: 'dispatcher', stationId: TONGXIANG } as const;
const resolvedByDeqing = fixtures.response({ taskId: task.id, stationId: DEQING, status: 'resolved' });

afterEach(() => void vi.useRealTimers());

describe('a station console releases its own units left on an ended task', () => {
  test('德清 answered 办结: 桐乡’s console releases 桐乡’s unit on the task, nothing else; a second console finds nothing left', () => {
    const { store, consoleOf } = operation('open', [resolvedByDeqing]);
    const first = new EndedUnitRelease(consoleOf(tongxiang), { now: () => NOW });
    expect(first.release()).toBe(1);
    expect(store.writes).toEqual([{ scope: TONGXIANG, keys: ['zq-01'] }]);
    expect(store.units.get(`${TONGXIANG}/zq-01`)).toMatchObject({
      status: 'available',
      assignedTaskId: null,
      updatedAt: NOW,
    });
    // Its unit on another, open task and the other station's unit are left alone.
    expect(store.units.get(`${TONGXIANG}/zq-02`)).toMatchObject({ status: 'en_route', assignedTaskId: other.id });
    expect(store.units.get(`${DEQING}/yuyue-car-01`)).toMatchObject({ assignedTaskId: task.id });
    // Another 桐乡 console open at the same time: idempotent.
    expect(new EndedUnitRelease(consoleOf(tongxiang)).release()).toBe(0);
    expect(store.writes).toHaveLength(1);
  });

  test('closed or cancelled by the raising station releases too; an open task, a commander’s console or an offline one does not', () => {
    for (const state of ['closed', 'cancelled'] as const) {
      const { store, consoleOf } = operation(state);
      expect(new EndedUnitRelease(consoleOf(tongxiang)).release(), state).toBe(1);
      expect(store.units.get(`${TONGXIANG}/zq-01`)?.assignedTaskId).toBeNull();
    }
    const open = operation('open', [fixtures.response({ taskId: task.id, stationId: DEQING, status: 'on_scene' })]);
    expect(new EndedUnitRelease(open.consoleOf(tongxiang)).release()).toBe(0);
    const closed = operation('closed');
    expect(new EndedUnitRelease(closed.consoleOf({ role: 'commander', stationId: null })).release()).toBe(0);
    closed.store.online = false;
    expect(new EndedUnitRelease(closed.consoleOf(tongxiang)).release()).toBe(0);
    expect(closed.store.writes).toEqual([]);
  });

  test('check() waits a moment (with jitter) and writes once; nothing is scheduled while offline', () => {
    vi.useFakeTimers();
    const { store, consoleOf } = operation('closed');
    store.online = false;
    const release = new EndedUnitRelease(consoleOf(tongxiang), { delayMs: 1000, jitterMs: 2000, random: () => 0.5 });
    release.check();
    vi.advanceTimersByTime(10_000);
    expect(store.writes).toEqual([]);
    store.online = true;
    release.check();
    release.check();
    vi.advanceTimersByTime(1999);
    expect(store.writes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(store.writes).toEqual([{ scope: TONGXIANG, keys: ['zq-01'] }]);
    release.check();
    vi.advanceTimersByTime(10_000);
    expect(store.writes).toHaveLength(1);
  });
});
