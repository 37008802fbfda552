import { expect, test } from 'vitest';
import { SvelteMap } from 'svelte/reactivity';
import { DEFAULT_FRESHNESS, unitKey, type Change, type Task, type TaskResponse, type Unit } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { effectiveUnitsOf } from '../../state/effective-units.ts';
import type { OperationSession } from '../../state/operation-session.svelte.ts';
import { DispatchRanking } from './dispatch-ranking.svelte.ts';
import { ReassignBoard } from './reassign-board.svelte.ts';

const task = fixtures.missingPersonTask({ id: 't-abcdefghij' });

/** A commander's session over a reactive roster (the ranking re-derives when a unit changes). */
function commanderSession(units: Unit[], tasks: Task[] = [task], responses: TaskResponse[] = []) {
  const roster = new SvelteMap(units.map((u) => [u.id, u]));
  const scoped = <T extends { stationId: string }>(list: Iterable<T>) =>
    [...list].map((record) => ({ scope: record.stationId, record }));
  const writes: Array<{ scope: string; change: Change }> = [];
  const session = {
    data: { view: { dispatch: null } },
    user: { role: 'commander', stationId: null },
    live: { version: 0, positionOf: () => undefined, now: () => Date.now(), thresholds: DEFAULT_FRESHNESS },
    records: (map: string) =>
      map === 'units' ? scoped(roster.values()) : map === 'tasks' ? scoped(tasks) : scoped(responses),
    get effectiveUnits() {
      return effectiveUnitsOf(this as unknown as OperationSession);
    },
    station: () => undefined,
    canWrite: () => true,
    write: (scope: string, change: Change) => writes.push({ scope, change }),
  } as unknown as OperationSession;
  return { session, roster, writes };
}

test('派单 sends only ticked units still in the list: one its station sent elsewhere meanwhile is left alone', () => {
  const car = fixtures.unit({ id: 'car-01', callsign: '禹越巡01' });
  const foot = fixtures.unit({ id: 'foot-02', callsign: '禹越步巡02' });
  const { session, roster, writes } = commanderSession([car, foot]);
  const ranking = new DispatchRanking(session, () => task);
  const keys = ranking.rows.map((r) => r.key);
  expect(keys).toHaveLength(2);
  for (const key of keys) ranking.toggle(key, true);
  expect(ranking.ticked.map((u) => u.id).sort()).toEqual(['car-01', 'foot-02']);

  // 禹越 sends its car to another task: the row leaves the list of available units.
  roster.set(car.id, { ...car, status: 'en_route', assignedTaskId: 't-other00000' });
  expect(ranking.rows.map((r) => r.unit.id)).toEqual(['foot-02']);
  expect(ranking.ticked.map((u) => u.id)).toEqual(['foot-02']);

  expect(ranking.dispatch()).toEqual([]);
  const sent = writes.flatMap((w) => (w.change.type === 'batch' ? w.change.changes : [w.change]));
  expect(sent.map((c) => (c.type === 'put' ? c.key : c.type))).toEqual(['foot-02']);
});

test('a unit another station left on a resolved task is available: listed, tickable, and on the board’s pool', () => {
  // 禹越 answered 办结; 洲泉巡01, sent by the commander, is still recorded en route to it.
  const ended = fixtures.missingPersonTask({ id: 't-ended00000', title: '已办结' });
  const resolved = fixtures.response({ taskId: ended.id, stationId: 'deqing-yuyue', status: 'resolved' });
  const stuck = fixtures.unit({
    id: 'zq-01',
    stationId: 'tongxiang-zhouquan',
    status: 'en_route',
    assignedTaskId: ended.id,
  });
  const { session, writes } = commanderSession([stuck], [task, ended], [resolved]);
  const ranking = new DispatchRanking(session, () => task);
  expect(ranking.rows.map((r) => [r.unit.id, r.unit.status, r.block])).toEqual([['zq-01', 'available', null]]);
  ranking.toggle(ranking.rows[0]!.key, true);
  expect(ranking.dispatch()).toEqual([]);
  expect(writes).toHaveLength(1);
  const board = new ReassignBoard(session);
  expect(board.tasks.map((t) => t.task.id)).toEqual([task.id]);
  expect(board.pool.map((u) => [u.id, u.status, u.assignedTaskId])).toEqual([['zq-01', 'available', null]]);
});

test('a task a target station resolved while its own state is still open has ended: the ranking sends nobody to it', () => {
  // 禹越 answered 办结; the raising station has not closed it (the server releases units sent to it).
  const resolved = fixtures.response({ taskId: task.id, stationId: 'deqing-yuyue', status: 'resolved' });
  const car = fixtures.unit({ id: 'car-01', callsign: '禹越巡01' });
  const { session, writes } = commanderSession([car], [task], [resolved]);
  const ranking = new DispatchRanking(session, () => task);
  expect([task.state, ranking.ended]).toEqual(['open', true]);
  ranking.toggle(ranking.rows[0]!.key, true);
  expect(ranking.dispatch()).toEqual([]);
  expect(writes).toEqual([]);
  // Without that answer the same task takes the car.
  const open = commanderSession([car], [task], []);
  const live = new DispatchRanking(open.session, () => task);
  expect(live.ended).toBe(false);
  live.toggle(live.rows[0]!.key, true);
  live.dispatch();
  expect(open.writes).toHaveLength(1);
});

test('a unit on a task every target declined is shown on that task, not in the unassigned pool; a decliner’s own unit is free', () => {
  // Both targets declined 临平's task: it has not ended, so nothing releases 临平's car the
  // commander sent to it; 禹越's own unit on it is released by the server and reads as free.
  const declined = ['deqing-yuyue', 'tongxiang-zhouquan'].map((stationId) =>
    fixtures.response({ taskId: task.id, stationId, status: 'declined', note: '警力不足' }),
  );
  const car = fixtures.unit({
    id: 'car-01',
    stationId: 'linping-yunhe',
    callsign: '运河巡01',
    status: 'en_route',
    assignedTaskId: task.id,
  });
  const foot = fixtures.unit({ id: 'foot-02', callsign: '禹越步巡02', status: 'en_route', assignedTaskId: task.id });
  const other = fixtures.missingPersonTask({ id: 't-otherone01', title: '另一起协查' });
  const { session, writes } = commanderSession([car, foot], [task, other], declined);
  const board = new ReassignBoard(session);
  expect(board.tasks.map((t) => t.task.id)).toEqual([other.id]);
  expect(board.pool.map((u) => [u.id, u.status, u.assignedTaskId])).toEqual([['foot-02', 'available', null]]);
  expect(board.declined.map((t) => [t.task.id, t.status, t.units.map((u) => u.id)])).toEqual([
    [task.id, 'declined', ['car-01']],
  ]);
  // The commander moves it on from there.
  board.move(unitKey(car.stationId, car.id), other.id);
  expect(writes).toHaveLength(1);
  expect(board.error).toBeNull();
});
