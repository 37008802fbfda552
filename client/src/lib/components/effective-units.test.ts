// @vitest-environment jsdom
import { expect, onTestFinished, test, vi } from 'vitest';
import { flushSync, mount, unmount, type Component } from 'svelte';
import * as Y from 'yjs';
import { dispatchChanges, type Task, type TaskResponse, type Unit } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { UnitView } from '../live/unit-view.svelte.ts';
import { offlineCommanderSession, offlineSession } from '../state/offline-session-harness.test-support.ts';
import type { OperationSession } from '../state/operation-session.svelte.ts';
import type { StationDetail } from '../state/operation-data.ts';
import { TaskDesk } from '../tasks/task-desk.svelte.ts';
import TaskPanel from '../tasks/TaskPanel.svelte';
import { buildTaskViews, unitsOnTask, type TaskView } from '../tasks/task-views.ts';
import RosterPanel from './RosterPanel.svelte';
import TaskBoard from './TaskBoard.svelte';
import UnitBoard from './UnitBoard.svelte';

/**
 * The console that ends a task, or declines it, writes no release of its units (the server does,
 * with a write that yields): until that release reaches it, offline or within the server's
 * moment, every view of the units reads them as free, not en route to the task. The views read
 * the session's `effectiveUnits`, derived once a frame.
 */

const DEQING = 'deqing-yuyue';
const LINPING = 'linping-yunhe';
const car = fixtures.unit({ id: 'car-01', callsign: '禹越巡01', stationId: DEQING });

function viewOf(session: OperationSession, taskId: string): TaskView {
  return buildTaskViews(
    session.records<Task>('tasks'),
    session.records<TaskResponse>('responses').map((r) => r.record),
  ).find((v) => v.task.id === taskId)!;
}

/** The session's stations as the roster lists them (the harness's operation has no details). */
function withStations(session: OperationSession, ids: string[]): void {
  session.stations.push(...ids.map((id) => ({ id, shortName: id, color: '#123456' }) as unknown as StationDetail));
}

function render<P extends Record<string, unknown>>(component: Component<P>, props: P): HTMLElement {
  // The wall boards fit their rows to the screen (jsdom measures nothing).
  vi.stubGlobal(
    'ResizeObserver',
    class {
      observe(): void {}
      unobserve(): void {}
      disconnect(): void {}
    },
  );
  const target = document.createElement('div');
  document.body.append(target);
  const app = mount(component, { target, props });
  flushSync();
  onTestFinished(() => {
    unmount(app);
    target.remove();
  });
  return target;
}

/** After the next animation frame (the harness runs frames as timers), where the session derives its units again. */
const nextFrame = () => new Promise((resolve) => setTimeout(resolve, 5));

/** What every view shows of 禹越巡01 and of the units on `task`. */
function shown(session: OperationSession, desk: TaskDesk, task: Task) {
  const units = new UnitView();
  const board = render(UnitBoard, { session });
  const tasks = render(TaskBoard, { session });
  const roster = render(RosterPanel, { session, view: units });
  const panel = render(TaskPanel, { desk, view: viewOf(session, task.id) });
  const row = tasks.querySelector(`[data-testid="task-board-row"][data-task="${task.id}"]`)!;
  return {
    data: session.effectiveUnits.map((u) => [u.id, u.status, u.assignedTaskId]),
    onTask: unitsOnTask(session.effectiveUnits, task.id).map((u) => u.id),
    unitBoard: board.querySelector(`[data-unit="${car.id}"]`)?.getAttribute('data-status'),
    taskBoardUnits: row.querySelector('[data-testid="task-board-units"]')?.textContent ?? '',
    roster: roster.querySelector<HTMLSelectElement>(`[data-unit="${car.id}"] [data-testid="unit-status-select"]`)
      ?.value,
    panelUnits: panel.querySelector('[data-testid="task-units"]')!.textContent!.includes(car.callsign),
    // My station's answer form (a dispatcher's only), where units on the task are ticked.
    answerTicked: panel.querySelector<HTMLInputElement>(`[data-testid="answer-unit"][value="${car.id}"]`)?.checked,
  };
}

const FREE = {
  data: [[car.id, 'available', null]],
  onTask: [],
  unitBoard: 'available',
  taskBoardUnits: '',
  roster: 'available',
  panelUnits: false,
};

test('an offline commander closes a task with 禹越巡01 on it: every view shows it available, on no task', async () => {
  const session = offlineCommanderSession([DEQING]);
  withStations(session, [DEQING]);
  const desk = new TaskDesk(session);
  const task = fixtures.missingPersonTask({ id: 't-closing01', stationId: 'command', targetStations: [DEQING] });
  session.write('command', { type: 'put', map: 'tasks', key: task.id, value: task });
  session.write(DEQING, { type: 'put', map: 'units', key: car.id, value: car });
  session.write(DEQING, dispatchChanges([car], task.id, Date.now()).get(DEQING)!);
  expect(shown(session, desk, task)).toMatchObject({ unitBoard: 'en_route', roster: 'en_route', panelUnits: true });

  expect(desk.setState(viewOf(session, task.id), 'closed')).toBeNull();
  await nextFrame();
  // The record still says en route (the server writes the release); the views do not.
  expect(session.doc(DEQING)!.doc.getMap<Unit>('units').get(car.id)).toMatchObject({ assignedTaskId: task.id });
  expect(shown(session, desk, task)).toEqual(FREE);
});

test('禹越 declines 临平’s task its car is on: no unit record is written, and every view shows the car available', async () => {
  const session = offlineSession({ id: 'u-deqing', name: '德清', role: 'dispatcher', stationId: DEQING }, [
    DEQING,
    LINPING,
  ]);
  withStations(session, [DEQING, LINPING]);
  const desk = new TaskDesk(session);
  const task = fixtures.missingPersonTask({ id: 't-declined1', stationId: LINPING, targetStations: [DEQING] });
  // 临平's task, as it syncs in from 临平's console.
  const theirs = new Y.Doc();
  theirs.getMap('tasks').set(task.id, task);
  const linping = session.doc(LINPING)!;
  Y.applyUpdate(linping.doc, Y.encodeStateAsUpdate(theirs), linping.provider);
  session.write(DEQING, { type: 'put', map: 'units', key: car.id, value: car });
  session.write(DEQING, dispatchChanges([car], task.id, Date.now()).get(DEQING)!);
  const before = session.doc(DEQING)!.doc.getMap<Unit>('units').get(car.id);
  expect(before).toMatchObject({ status: 'en_route', assignedTaskId: task.id });
  expect(shown(session, desk, task)).toMatchObject({ unitBoard: 'en_route', answerTicked: true });

  const units = session.doc(DEQING)!.doc.getMap('units');
  let unitWrites = 0;
  units.observe(() => unitWrites++);
  expect(desk.answer(viewOf(session, task.id), 'declined', '警力不足', [car.id])).toBeNull();
  await nextFrame();
  expect(unitWrites).toBe(0);
  expect(units.get(car.id)).toEqual(before);
  expect(viewOf(session, task.id).responses.get(DEQING)?.status).toBe('declined');
  expect(shown(session, desk, task)).toEqual({ ...FREE, answerTicked: false });
});
