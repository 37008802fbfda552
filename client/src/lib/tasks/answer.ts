import {
  answerTask,
  dispatchChanges,
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
 * Units named in the answer are sent to the task (`en_route`; one already on it keeps its
 * status), and with 到场 (`on_scene`) the named units are the ones that arrived: they turn on
 * scene and the station's other units on the task stay en route. A unit the answer does not name
 * is never released by 知悉, 接单 or 到场 (only an explicit release does that). A decline reports
 * no units, and a resolution (办结) ends the task; neither sends or releases any: the server
 * releases the station's units left on a task it declined, and every unit left on one that ended
 * (`EndedTaskRelease`), with a write that yields, so a concurrent move of one to another task (by
 * the commander, say) is not undone. The boards read them as free meanwhile (`effectiveUnit`). An
 * off-duty unit is not sent (as in the dispatch panel) unless it is on the task already.
 */
export function answerChange(input: AnswerInput): Change {
  const { task, stationId, status, now } = input;
  const roster = input.roster.filter((u) => u.stationId === stationId);
  const ending = status === 'declined' || status === 'resolved';
  const sendable = (u: Unit) => u.status !== 'off_duty' || u.assignedTaskId === task.id;
  const named = new Set(input.unitIds.filter((id) => roster.some((u) => u.id === id && sendable(u))));
  const reported = status === 'declined' ? [] : [...named];
  const response = answerTask(task, stationId, status, input.userId, now, input.previous, {
    unitIds: reported,
    note: input.note.trim(),
  });
  const changes: Change[] = [{ type: 'put', map: 'responses', key: response.key, value: response.value }];
  if (ending) return { type: 'batch', changes };
  const send = roster.filter((u) => named.has(u.id));
  if (status === 'on_scene') {
    for (const u of send) {
      if (u.status === 'on_scene' && u.assignedTaskId === task.id) continue;
      const value: Unit = { ...u, status: 'on_scene', assignedTaskId: task.id, updatedAt: now };
      changes.push({ type: 'put', map: 'units', key: u.id, value });
    }
  } else {
    const dispatched = dispatchChanges(send, task.id, now).get(stationId);
    if (dispatched) changes.push(dispatched);
  }
  return { type: 'batch', changes };
}

/**
 * The units ticked in the answer form: the station's units on the task now, changed by what the
 * user ticked (`added`) or unticked (`removed`) since the form opened. The form follows the
 * records: a unit the commander sends to the task appears ticked, one moved to another task
 * disappears, and answering neither releases the first nor pulls the second back. Unticking a unit
 * on the task only leaves it out of the answer (with 到场: it has not arrived yet).
 */
export interface AnswerTicks {
  added: readonly string[];
  removed: readonly string[];
}

export const NO_TICKS: AnswerTicks = { added: [], removed: [] };

export function tickedUnits(onTask: readonly string[], ticks: AnswerTicks): string[] {
  return [...onTask.filter((id) => !ticks.removed.includes(id)), ...ticks.added.filter((id) => !onTask.includes(id))];
}

/** The ticks after the user ticked (`on`) or unticked unit `id`. */
export function tick(ticks: AnswerTicks, onTask: readonly string[], id: string, on: boolean): AnswerTicks {
  const added = ticks.added.filter((x) => x !== id);
  const removed = ticks.removed.filter((x) => x !== id);
  if (on && !onTask.includes(id)) added.push(id);
  if (!on && onTask.includes(id)) removed.push(id);
  return { added, removed };
}
