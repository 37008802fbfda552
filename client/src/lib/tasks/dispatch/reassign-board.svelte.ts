import {
  AppError,
  deriveTaskStatus,
  unitKey,
  type Task,
  type TaskPriority,
  type TaskResponse,
  type TaskStatus,
  type Unit,
} from '@jointmap/shared';
import type { OperationSession } from '../../state/operation-session.svelte.ts';
import { dispatchBlock, releaseFromTask, sendUnits } from './dispatch-actions.ts';

/** One drop zone of the board: an active task and the units assigned to it. */
export interface BoardTask {
  scope: string;
  task: Task;
  status: TaskStatus;
  units: Unit[];
}

/** Tasks that still want units: not resolved, cancelled or declined by every target. */
const ACTIVE: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['open', 'acknowledged', 'accepted', 'on_scene']);
const PRIORITY: Record<TaskPriority, number> = { urgent: 0, high: 1, normal: 2, low: 3 };
const byCallsign = (a: Unit, b: Unit) => a.callsign.localeCompare(b.callsign, 'zh-CN');

/**
 * The reassignment board (任务调度): every active task of the operation as a drop zone with the
 * units assigned to it, and a pool of the units on no active task. Moving a unit is one write to
 * its record in its own station's document (`assignedTaskId`, `en_route`), so the old task, the
 * new task, the station and the wall all change together.
 */
export class ReassignBoard {
  /** The unit being dragged (its `unitKey`), and the zone under it (task id, or `''` for the pool). */
  dragging = $state<string | null>(null);
  over = $state<string | null>(null);
  error = $state<string | null>(null);
  /**
   * A unit moved from the keyboard (改派到… then 改派): its chip in the new zone takes the focus,
   * so the keyboard user stays on the unit they moved (`taskId` null: the pool).
   */
  focusRequest = $state<{ key: string; taskId: string | null } | null>(null);

  constructor(private readonly session: OperationSession) {}

  /** Every unit as the session shows it (`effectiveUnits`: one left on an ended or declined task is free), by callsign. */
  readonly units: Unit[] = $derived.by(() => [...this.session.effectiveUnits].sort(byCallsign));

  /** Every task with its derived status and units, by priority, newest first. */
  private readonly all: BoardTask[] = $derived.by(() => {
    const responses = this.session.records<TaskResponse>('responses').map((r) => r.record);
    return this.session
      .records<Task>('tasks')
      .map(({ scope, record }) => ({ scope, task: record, status: deriveTaskStatus(record, responses) }))
      .sort(
        (a, b) =>
          PRIORITY[a.task.priority] - PRIORITY[b.task.priority] ||
          b.task.createdAt - a.task.createdAt ||
          a.task.id.localeCompare(b.task.id),
      )
      .map((t) => ({ ...t, units: this.units.filter((u) => u.assignedTaskId === t.task.id) }));
  });

  /** The drop zones: tasks that still want units. */
  readonly tasks: BoardTask[] = $derived(this.all.filter((t) => ACTIVE.has(t.status)));

  /**
   * Tasks every target declined that still have units on them. Such a task has not ended (its
   * raising station may still retarget or close it): the server releases only each declining
   * station's own units, so the others (sent by a commander) are shown on it, to be moved or
   * released, not counted as free. Not a drop zone.
   */
  readonly declined: BoardTask[] = $derived(this.all.filter((t) => t.status === 'declined' && t.units.length > 0));

  /** Units on no task shown above (a task that ended leaves its units here), off-duty ones left out. */
  readonly pool: Unit[] = $derived.by(() => {
    const shown = new Set([...this.tasks, ...this.declined].map((t) => t.task.id));
    return this.units.filter(
      (u) => u.status !== 'off_duty' && (u.assignedTaskId === null || !shown.has(u.assignedTaskId)),
    );
  });

  canMove(unit: Unit): boolean {
    return dispatchBlock(this.session, unit) === null;
  }

  /** A unit by `unitKey(stationId, unitId)`: two stations may both have a unit of one id. */
  unit(key: string): Unit | undefined {
    return this.units.find((u) => unitKey(u.stationId, u.id) === key);
  }

  /**
   * Send the unit to `taskId` (en route), or release it when `taskId` is null. Nothing happens when
   * it is already there. Errors are kept in {@link error} for the board to show.
   */
  move(key: string, taskId: string | null): void {
    const unit = this.unit(key);
    this.error = null;
    if (!unit || unit.assignedTaskId === taskId) return;
    try {
      if (taskId === null) releaseFromTask(this.session, unit);
      else {
        const failed = sendUnits(this.session, [unit], taskId);
        if (failed.length) this.error = failed.map((f) => f.message).join('; ');
      }
    } catch (err) {
      this.error = err instanceof AppError ? err.message : String(err);
    }
  }
}
