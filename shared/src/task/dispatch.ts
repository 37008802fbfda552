import type { Change } from '../doc/apply-change.ts';
import type { Principal } from '../permissions/permissions.ts';
import { responseKey, type ResponseStatus, type TaskResponse } from '../schema/task-response.ts';
import type { Task } from '../schema/task.ts';
import type { Unit, UnitStatus } from '../schema/unit.ts';

/**
 * Whether `user` may send or move `unit`: a commander any unit, a dispatcher only its own
 * station's (the unit record lives in that station's document, the only one it may write).
 */
export function canDispatchUnit(user: Principal, unit: Pick<Unit, 'stationId'>): boolean {
  return user.role === 'commander' || (user.role === 'dispatcher' && user.stationId === unit.stationId);
}

/**
 * One-click dispatch (一键派单) and reassignment: every unit becomes `en_route` to `taskId`.
 * Returns one change per station document (the unit records live in their station's document),
 * keyed by station id; units already on that task keep their status.
 *
 * @example
 * for (const [scope, change] of dispatchChanges(selected, task.id, Date.now())) session.write(scope, change);
 */
export function dispatchChanges(units: readonly Unit[], taskId: string, now: number): Map<string, Change> {
  const byStation = new Map<string, Change[]>();
  for (const u of units) {
    if (u.assignedTaskId === taskId && u.status !== 'available' && u.status !== 'off_duty') continue;
    const next: Unit = { ...u, status: 'en_route', assignedTaskId: taskId, updatedAt: now };
    const list = byStation.get(u.stationId) ?? [];
    list.push({ type: 'put', map: 'units', key: u.id, value: next });
    byStation.set(u.stationId, list);
  }
  return new Map([...byStation].map(([station, changes]) => [station, { type: 'batch', changes }]));
}

/** A unit released from its task: available again, no task. */
export function releaseUnit(unit: Unit, now: number): Unit {
  return { ...unit, status: 'available', assignedTaskId: null, updatedAt: now };
}

/**
 * A unit given a status by hand (the roster's editor, the units API): available or off duty takes
 * it off its task, as a release does (nothing would free it from there again, and a later dispatch
 * would pull it away unseen); any other status keeps the task it is on.
 */
export function withStatus(unit: Unit, status: UnitStatus): Unit {
  const free = status === 'available' || status === 'off_duty';
  return { ...unit, status, assignedTaskId: free ? null : unit.assignedTaskId };
}

/**
 * A station's answer to a task, written in the station's own document (`responses` keyed by
 * `<taskStationId>:<taskId>`). Keeps the previous unit list and note unless given.
 */
export function answerTask(
  task: Pick<Task, 'id' | 'stationId'>,
  stationId: string,
  status: ResponseStatus,
  by: string,
  now: number,
  previous?: TaskResponse,
  patch: { unitIds?: string[]; note?: string } = {},
): { key: string; value: TaskResponse } {
  return {
    key: responseKey(task.stationId, task.id),
    value: {
      taskId: task.id,
      taskStationId: task.stationId,
      stationId,
      status,
      unitIds: patch.unitIds ?? previous?.unitIds ?? [],
      note: patch.note ?? previous?.note ?? '',
      updatedBy: by,
      updatedAt: now,
    },
  };
}
