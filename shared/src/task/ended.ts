import type { TaskResponse } from '../schema/task-response.ts';
import type { Task } from '../schema/task.ts';
import type { Unit } from '../schema/unit.ts';
import { deriveTaskStatus, type TaskStatus } from './task-status.ts';

/** Derived statuses after which a task wants no units: resolved (closed derives to it) or cancelled. */
export const ENDED_TASK_STATUSES: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['resolved', 'cancelled']);

/**
 * Ids of the tasks that have ended (`deriveTaskStatus` resolved or cancelled). A task id seen in
 * more than one document counts as ended only when every record of it has. A unit whose
 * `assignedTaskId` is in the set is free for other work even while its record still says otherwise
 * (only its own station, or a commander, may write that record).
 */
export function endedTaskIds(tasks: Iterable<Task>, responses: readonly TaskResponse[]): Set<string> {
  const ended = new Set<string>();
  const open = new Set<string>();
  for (const task of tasks) {
    if (ENDED_TASK_STATUSES.has(deriveTaskStatus(task, responses))) ended.add(task.id);
    else open.add(task.id);
  }
  for (const id of open) ended.delete(id);
  return ended;
}

/** Whether `unit` is still recorded on one of the `ended` tasks (it is really available). */
export function onEndedTask(unit: Pick<Unit, 'assignedTaskId'>, ended: ReadonlySet<string>): boolean {
  return unit.assignedTaskId !== null && ended.has(unit.assignedTaskId);
}

/**
 * The unit as boards and rankings should treat it: one left on an ended task reads as available
 * with no task until its station writes the release; any other unit is returned as is. An
 * off-duty unit stays off duty.
 */
export function effectiveUnit(unit: Unit, ended: ReadonlySet<string>): Unit {
  if (!onEndedTask(unit, ended)) return unit;
  return { ...unit, status: unit.status === 'off_duty' ? 'off_duty' : 'available', assignedTaskId: null };
}
