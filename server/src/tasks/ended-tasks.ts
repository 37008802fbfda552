import type * as Y from 'yjs';
import { endedTaskIds, readMap, unitReleases, type Task, type TaskResponse, type UnitReleases } from '@jointmap/shared';

/** Every task record and every answer of an operation's documents. */
export interface TaskRecords {
  tasks: Task[];
  responses: TaskResponse[];
}

/**
 * The task records and answers the given documents of one operation hold now, document by
 * document. A task's records and answers are spread over the documents of the stations it
 * involves, so whether it ended is read from all of them at once (`endedTaskIds`).
 *
 * @example const { tasks, responses } = taskRecords(rooms.map((room) => room.doc));
 */
export function taskRecords(docs: Iterable<Y.Doc>): TaskRecords {
  const tasks: Task[] = [];
  const responses: TaskResponse[] = [];
  for (const doc of docs) {
    tasks.push(...readMap<Task>(doc, 'tasks').values());
    responses.push(...readMap<TaskResponse>(doc, 'responses').values());
  }
  return { tasks, responses };
}

/** The tasks that ended (closed, cancelled or resolved), from every given document of the operation as it is now. */
export function endedIn(docs: Iterable<Y.Doc>): Set<string> {
  const { tasks, responses } = taskRecords(docs);
  return endedTaskIds(tasks, responses);
}

/**
 * What frees units still recorded on a task (`unitReleases`: the tasks that ended, and each
 * station's declines), from every given document of the operation as it is now.
 */
export function releasesIn(docs: Iterable<Y.Doc>): UnitReleases {
  const { tasks, responses } = taskRecords(docs);
  return unitReleases(tasks, responses);
}
