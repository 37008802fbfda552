import {
  AppError,
  canDispatchUnit,
  dispatchChanges,
  endedTaskIds,
  releaseUnit,
  type Task,
  type TaskResponse,
  type Unit,
} from '@jointmap/shared';
import type { OperationSession } from '../../state/operation-session.svelte.ts';
import { i18n } from '../../i18n/i18n.svelte.ts';
import { serverNow } from '../../state/server-clock.ts';

/** Why a unit cannot be sent by this account (null: it can). */
export type DispatchBlock = 'readOnly' | 'otherStation' | 'offDuty';

/**
 * Whether this session may move `unit` (dispatch, reassign, release): the shared rule
 * (`canDispatchUnit`: commanders any unit, dispatchers their own station's) and write access to the
 * unit's station document, the only place its assignment lives. Off-duty units are not sent.
 */
export function dispatchBlock(session: OperationSession, unit: Unit): DispatchBlock | null {
  if (session.user.role !== 'commander' && session.user.role !== 'dispatcher') return 'readOnly';
  if (!canDispatchUnit(session.user, unit) || !session.canWrite(unit.stationId)) return 'otherStation';
  if (unit.status === 'off_duty') return 'offDuty';
  return null;
}

/**
 * Whether a task has ended as the server's release reads it (`endedTaskIds`: cancelled or closed,
 * or resolved by a target station while its own state is still open): it takes no more units, and
 * units sent to it would be released again at once.
 */
export function taskEnded(session: Pick<OperationSession, 'records'>, taskId: string): boolean {
  return sessionEndedTaskIds(session).has(taskId);
}

/** `endedTaskIds` over the session's tasks and answers: the tasks that take no more units. */
export function sessionEndedTaskIds(session: Pick<OperationSession, 'records'>): Set<string> {
  return endedTaskIds(
    session.records<Task>('tasks').map((r) => r.record),
    session.records<TaskResponse>('responses').map((r) => r.record),
  );
}

/** A station whose write failed, and why (the others went through). */
export interface WriteFailure {
  stationId: string;
  message: string;
}

/**
 * One-click dispatch (一键派单) or reassignment: every unit becomes `en_route` to `taskId`, one write
 * per station document (`dispatchChanges`). Units this session may not move are refused before
 * anything is written. Stamped with the server's clock (`serverNow`), as tasks are. Returns the
 * stations whose write failed (empty: all done).
 */
export function sendUnits(session: OperationSession, units: readonly Unit[], taskId: string): WriteFailure[] {
  const refused = units.filter((u) => dispatchBlock(session, u) !== null);
  if (refused.length) {
    const stations = [...new Set(refused.map((u) => u.stationId))];
    return stations.map((stationId) => ({
      stationId,
      message: i18n.t('dispatch.notAllowed', {
        units: refused
          .filter((u) => u.stationId === stationId)
          .map((u) => u.callsign)
          .join(i18n.t('tasks.list.sep')),
      }),
    }));
  }
  const failures: WriteFailure[] = [];
  for (const [stationId, change] of dispatchChanges(units, taskId, serverNow(session))) {
    try {
      session.write(stationId, change);
    } catch (err) {
      failures.push({ stationId, message: err instanceof AppError ? err.message : String(err) });
    }
  }
  return failures;
}

/**
 * Release a unit from its task (释放): available again, no task, stamped with the server's clock.
 * Throws AppError when refused.
 */
export function releaseFromTask(session: OperationSession, unit: Unit): void {
  const block = dispatchBlock(session, unit);
  if (block === 'readOnly' || block === 'otherStation') {
    throw new AppError('FORBIDDEN', i18n.t('dispatch.notAllowed', { units: unit.callsign }));
  }
  session.write(unit.stationId, {
    type: 'put',
    map: 'units',
    key: unit.id,
    value: releaseUnit(unit, serverNow(session)),
  });
}
