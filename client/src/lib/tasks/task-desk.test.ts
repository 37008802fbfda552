import { describe, expect, test, vi } from 'vitest';
import * as Y from 'yjs';
import {
  applyChange,
  dispatchChanges,
  readMap,
  responseKey,
  type Task,
  type TaskResponse,
  type Unit,
} from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { liveServerAhead } from '../state/live-server-harness.test-support.ts';
import { offlineCommanderSession, offlineSession } from '../state/offline-session-harness.test-support.ts';
import type { OperationSession } from '../state/operation-session.svelte.ts';
import type { SessionUser } from '../state/stored-session.ts';
import { taskEnded } from './dispatch/dispatch-actions.ts';
import { TaskDesk } from './task-desk.svelte.ts';
import { buildTaskViews, type TaskView } from './task-views.ts';
import { memoryStorage } from '../state/memory-storage.test-support.ts';

const SLOW_MS = 15 * 60_000;
const here: Task['location'] = { type: 'Point', coordinates: [120.29, 30.52] };

/** A console of an operation of `stations` whose documents stay offline, its live channel on `wsBase`. */
const consoleOf = (user: SessionUser, stations: string[], wsBase: string) => offlineSession(user, stations, wsBase);

function viewOf(session: OperationSession, taskId: string): TaskView {
  const views = buildTaskViews(
    session.records<Task>('tasks'),
    session.records<TaskResponse>('responses').map((r) => r.record),
  );
  const view = views.find((v) => v.task.id === taskId);
  if (!view) throw new Error(`no task ${taskId}`);
  return view;
}

/** A task record `from` the server: what another station's console wrote, as it syncs in. */
function receive(session: OperationSession, scope: string, task: Task): void {
  const other = new Y.Doc();
  other.getMap('tasks').set(task.id, task);
  const d = session.doc(scope)!;
  Y.applyUpdate(d.doc, Y.encodeStateAsUpdate(other), d.provider);
}

test('a station PC 15 minutes slow stamps what it raises, answers, closes and reopens with the server’s clock', async () => {
  const wsBase = await liveServerAhead(SLOW_MS);
  const user: SessionUser = { id: 'u-deqing', name: '德清', role: 'dispatcher', stationId: 'deqing-yuyue' };
  const session = consoleOf(user, ['deqing-yuyue', 'linping-yunhe'], wsBase);
  await vi.waitFor(() => expect(session.live.now() - Date.now()).toBeGreaterThan(SLOW_MS - 5_000), {
    timeout: 10_000,
  });
  const desk = new TaskDesk(session);
  const serverTime = () => Date.now() + SLOW_MS;
  const near = (t: number | null | undefined) => Math.abs((t ?? 0) - serverTime()) < 5_000;

  // Raised: its time is the server's (the wall sorts and ages it among everyone else's).
  desk.startRaise(here!);
  const problem = desk.raise({
    title: '走失老人协查',
    description: '',
    priority: 'urgent',
    nonPolice: false,
    targetStations: ['linping-yunhe'],
  });
  expect(problem).toBeNull();
  const raised = [...session.doc('deqing-yuyue')!.doc.getMap<Task>('tasks').values()][0]!;
  expect({ createdAt: near(raised.createdAt), updatedAt: near(raised.updatedAt) }).toEqual({
    createdAt: true,
    updatedAt: true,
  });

  // Closed, then reopened: both stamped by the server's clock, the reopen too.
  expect(desk.setState(viewOf(session, raised.id), 'closed')).toBeNull();
  expect(desk.setState(viewOf(session, raised.id), 'open')).toBeNull();
  const reopened = session.doc('deqing-yuyue')!.doc.getMap<Task>('tasks').get(raised.id)!;
  expect({ state: reopened.state, updatedAt: near(reopened.updatedAt), reopenedAt: near(reopened.reopenedAt) }).toEqual(
    { state: 'open', updatedAt: true, reopenedAt: true },
  );

  // Answered: 临平's task for 德清, answered in 德清's own document.
  const t0 = Date.now();
  const theirs: Task = { ...raised, id: 't-linping01', stationId: 'linping-yunhe', targetStations: ['deqing-yuyue'] };
  receive(session, 'linping-yunhe', { ...theirs, reopenedAt: null, createdAt: t0, updatedAt: t0 });
  expect(desk.answer(viewOf(session, theirs.id), 'accepted', '', [])).toBeNull();
  const answer = session
    .doc('deqing-yuyue')!
    .doc.getMap<TaskResponse>('responses')
    .get(responseKey('linping-yunhe', theirs.id))!;
  expect({ status: answer.status, updatedAt: near(answer.updatedAt) }).toEqual({ status: 'accepted', updatedAt: true });
});

test('the raising console closes and reopens a task a target resolved: it is live again and takes units', () => {
  const session = offlineCommanderSession(['deqing-yuyue']);
  const desk = new TaskDesk(session);
  desk.startRaise(here!);
  expect(
    desk.raise({
      title: '走失老人协查',
      description: '',
      priority: 'urgent',
      nonPolice: false,
      targetStations: ['deqing-yuyue'],
    }),
  ).toBeNull();
  const task = [...session.commandDoc.doc.getMap<Task>('tasks').values()][0]!;

  // 德清 answers 办结 (in its own document; a commander's console may write it too).
  const resolved: TaskResponse = {
    taskId: task.id,
    taskStationId: task.stationId,
    stationId: 'deqing-yuyue',
    status: 'resolved',
    unitIds: [],
    note: '',
    updatedBy: 'u-deqing',
    updatedAt: Date.now(),
  };
  session.write('deqing-yuyue', {
    type: 'put',
    map: 'responses',
    key: responseKey(task.stationId, task.id),
    value: resolved,
  });
  expect(viewOf(session, task.id).status).toBe('resolved');
  expect(taskEnded(session, task.id)).toBe(true);

  // The reopen comes after the answer (a later millisecond), as it would from a person.
  vi.useFakeTimers({ now: Date.now() + 1000, toFake: ['Date'] });
  expect(desk.setState(viewOf(session, task.id), 'closed')).toBeNull();
  expect(desk.setState(viewOf(session, task.id), 'open')).toBeNull();
  vi.useRealTimers();

  const view = viewOf(session, task.id);
  expect(view.task.state).toBe('open');
  expect(view.status).toBe('open');
  expect(taskEnded(session, task.id)).toBe(false);
  // 德清's 办结 stays as history.
  expect(view.responses.get('deqing-yuyue')?.status).toBe('resolved');
});

test('the new-task mute is the muting dispatcher’s own: the next one on a shared PC hears new tasks', () => {
  vi.stubGlobal('localStorage', memoryStorage());
  // Two sessions in one test: the first one's teardown restores the globals it stubbed before the
  // other is destroyed, and its live channel still cancels a frame then.
  globalThis.cancelAnimationFrame ??= (id: number) => clearTimeout(id);
  const a: SessionUser = { id: 'u-deqing-a', name: '德清甲', role: 'dispatcher', stationId: 'deqing-yuyue' };
  const b: SessionUser = { id: 'u-deqing-b', name: '德清乙', role: 'dispatcher', stationId: 'deqing-yuyue' };
  const first = offlineSession(a, ['deqing-yuyue']);
  new TaskDesk(first).setMuted(true);

  expect(new TaskDesk(offlineSession(b, ['deqing-yuyue'])).muted).toBe(false);
  // The one who muted finds it muted again (a reload, the next operation).
  expect(new TaskDesk(first).muted).toBe(true);
});

test('a task the shared check refuses says which field, in the UI language', () => {
  const session = offlineCommanderSession(['deqing-yuyue']);
  const desk = new TaskDesk(session);
  desk.startRaise(here!);
  const input = { description: '', priority: 'urgent', nonPolice: false, targetStations: ['deqing-yuyue'] } as const;
  expect(desk.raise({ ...input, title: '协'.repeat(121), targetStations: [...input.targetStations] })).toBe(
    '无法保存：标题过长（最多 120 个字）',
  );
});

describe('closing a task while a station moves its unit from it to another task', () => {
  const DEQING = 'deqing-yuyue';
  // Yjs keeps the concurrent write of the higher client id: the station's console on either side.
  test.each([
    ['a lower', -1],
    ['a higher', 1],
  ])('with %s Yjs client id than the closing console, the unit ends up on the second task', (_, side) => {
    const session = offlineCommanderSession([DEQING]);
    const desk = new TaskDesk(session);
    const [t1, t2] = ['t-closing001', 't-nexttask01'].map((id) =>
      fixtures.missingPersonTask({ id, stationId: 'command', targetStations: [DEQING], createdBy: 'u-cmd' }),
    );
    for (const t of [t1!, t2!]) session.write('command', { type: 'put', map: 'tasks', key: t.id, value: t });
    const car = fixtures.unit({ id: 'yuyue-car-01', stationId: DEQING, status: 'en_route', assignedTaskId: t1!.id });
    session.write(DEQING, { type: 'put', map: 'units', key: car.id, value: car });
    const mine = session.doc(DEQING)!;
    const base = Y.encodeStateAsUpdate(mine.doc);

    // 禹越's own console, with the same records, moves its car from T1 to T2 (offline, or at the
    // same moment); the commander closes T1.
    const station = new Y.Doc();
    station.clientID = mine.doc.clientID + side;
    Y.applyUpdate(station, base);
    const origin = { source: 'session', sessionId: 's-deqing', userId: 'u-deqing' } as const;
    applyChange(station, 'station', dispatchChanges([car], t2!.id, Date.now()).get(DEQING)!, origin, DEQING);
    expect(desk.setState(viewOf(session, t1!.id), 'closed')).toBeNull();
    expect(viewOf(session, t1!.id).status).toBe('resolved');
    const closing = Y.encodeStateAsUpdate(mine.doc, Y.encodeStateVector(station));
    const moving = Y.encodeStateAsUpdate(station, Y.encodeStateVector(mine.doc));

    // Merged either way round (and on a third copy, each order): the move stands.
    Y.applyUpdate(mine.doc, moving, mine.provider);
    Y.applyUpdate(station, closing);
    const thirds = [
      [closing, moving],
      [moving, closing],
    ].map((updates) => {
      const doc = new Y.Doc();
      Y.applyUpdate(doc, base);
      for (const u of updates) Y.applyUpdate(doc, u);
      return doc;
    });
    for (const doc of [mine.doc, station, ...thirds]) {
      const unit = readMap<Unit>(doc, 'units').get(car.id)!;
      expect([unit.status, unit.assignedTaskId]).toEqual(['en_route', t2!.id]);
    }
  });
});
