import {
  answerTask,
  dispatchChanges,
  releaseUnit,
  type Change,
  type ResponseStatus,
  type Task,
  type TaskResponse,
  type Unit,
} from '@jointmap/shared';

/** The answers a target station can give, in the order the panel offers them. */
export const ANSWERS: readonly ResponseStatus[] = ['acknowledged', 'accepted', 'declined', 'on_scene', 'resolved'];

export interface AnswerInput {
  task: Pick<Task, 'id' | 'stationId'>;
  /** The answering station (its document is written). */
  stationId: string;
  status: ResponseStatus;
  userId: string;
  now: number;
  previous?: TaskResponse;
  note: string;
  /** Units of the answering station to put on the task (others are ignored). */
  unitIds: readonly string[];
  /** The answering station's roster. */
  roster: readonly Unit[];
}

/**
 * One change to the answering station's own document: its response (`answerTask`) and its units.
 * Units named in the answer are sent to the task (`en_route`, or `on_scene` with that answer);
 * its units on the task that the answer no longer names are released, and a decline or a
 * resolution releases all of them. A decline reports no units.
 */
export function answerChange(input: AnswerInput): Change {
  const { task, stationId, status, now } = input;
  const roster = input.roster.filter((u) => u.stationId === stationId);
  const ending = status === 'declined' || status === 'resolved';
  const named = new Set(input.unitIds.filter((id) => roster.some((u) => u.id === id)));
  const reported = status === 'declined' ? [] : [...named];
  const response = answerTask(task, stationId, status, input.userId, now, input.previous, {
    unitIds: reported,
    note: input.note.trim(),
  });
  const changes: Change[] = [{ type: 'put', map: 'responses', key: response.key, value: response.value }];
  const release = roster.filter((u) => u.assignedTaskId === task.id && (ending || !named.has(u.id)));
  for (const u of release) changes.push({ type: 'put', map: 'units', key: u.id, value: releaseUnit(u, now) });
  if (!ending) {
    const send = roster.filter((u) => named.has(u.id));
    if (status === 'on_scene') {
      for (const u of send) {
        const value: Unit = { ...u, status: 'on_scene', assignedTaskId: task.id, updatedAt: now };
        changes.push({ type: 'put', map: 'units', key: u.id, value });
      }
    } else {
      const dispatched = dispatchChanges(send, task.id, now).get(stationId);
      if (dispatched) changes.push(dispatched);
    }
  }
  return { type: 'batch', changes };
}
