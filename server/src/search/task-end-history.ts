import { endedTaskIds, type Task, type TaskResponse } from '@jointmap/shared';
import type { RoomManager } from '../rooms/room-manager.ts';
import { taskRecords } from '../tasks/ended-tasks.ts';

/** A time a task ended (`from`) and when it was reopened (`to`; null: still ended). */
interface EndedSpell {
  from: number;
  to: number | null;
}

/**
 * When each task of an operation was ended (closed, cancelled or resolved, as `endedTaskIds` reads
 * the task records and answers of every document), as the coverage service saw them. A search
 * whose task ended stops counting sweep from that moment, the way it stops at the operation's
 * close; a reopened task counts again from its reopening, and what was driven while it was ended
 * stays out.
 *
 * Times are the server's: those of the stored updates that ended and reopened a task when the
 * history is walked from the documents' logs (`StoredTaskEnds`: replay, and the live service once
 * it follows an operation, so a restart keeps the spells before it), then those of the commits
 * that changed a task, noted as they are made. A task seen ended on its first read (a record
 * stored already ended, say) ended at its records' newest `updatedAt`, or at the read if that is
 * earlier. A task with no record, or known only as open, never ended.
 */
export class TaskEndHistory {
  private readonly spells = new Map<string, EndedSpell[]>();
  /** When the first change not read yet was committed (null: none). */
  private changedAt: number | null = null;

  /** A document's tasks or answers changed at server time `at`: the next read dates what it finds to then. */
  changed(at: number): void {
    this.changedAt ??= at;
  }

  /** The task records and answers of every document of the operation as they are now, read at `at`. */
  sync(tasks: readonly Task[], responses: readonly TaskResponse[], at: number): void {
    const ended = endedTaskIds(tasks, responses);
    for (const id of new Set(tasks.map((t) => t.id))) {
      const list = this.spells.get(id);
      const last = list?.at(-1);
      if (!list)
        this.spells.set(id, ended.has(id) ? [{ from: Math.min(lastWrite(id, tasks, responses), at), to: null }] : []);
      else if (ended.has(id) && (!last || last.to !== null))
        list.push({ from: Math.max(at, last?.to ?? at), to: null });
      else if (!ended.has(id) && last && last.to === null) last.to = Math.max(at, last.from);
    }
  }

  /**
   * Forget the changes noted so far: they are stored already (a commit is noted once durable), so
   * a walk of the logs that starts after this dates them exactly, by their stored time. Returns
   * when the first of them was committed (null: none), to `renote` should that walk fail.
   */
  forgetChanges(): number | null {
    const at = this.changedAt;
    this.changedAt = null;
    return at;
  }

  /** Note again the changes `forgetChanges` returned (`at`; null: none), as of the earliest noted. */
  renote(at: number | null): void {
    this.changedAt = earliest(this.changedAt, at);
  }

  /**
   * Take the ended spells of `walked` (a history walked from the stored logs) in place of these;
   * a change noted and not read yet stays noted.
   */
  adopt(walked: TaskEndHistory): void {
    this.spells.clear();
    for (const [id, list] of walked.spells)
      this.spells.set(
        id,
        list.map((s) => ({ ...s })),
      );
  }

  /** Whether `taskId` had ended at `time`. */
  ended(taskId: string, time: number): boolean {
    return this.spells.get(taskId)?.some((s) => s.from <= time && (s.to === null || time < s.to)) ?? false;
  }

  /** The task's ended spells as a string: a change means its searches' coverage is rebuilt. */
  signature(taskId: string): string {
    return JSON.stringify(this.spells.get(taskId) ?? []);
  }

  /**
   * Read the tasks and answers of documents `names` through the rooms, at server time `now` (or
   * at the first change noted since the last read). Throws when a document cannot be loaded; the
   * change stays noted for the next read.
   *
   * @example await history.read(rooms, operationDocNames(operationId, stations), Date.now());
   */
  async read(rooms: Pick<RoomManager, 'get'>, names: readonly string[], now: number): Promise<void> {
    const pending = this.changedAt;
    this.changedAt = null;
    let docs;
    try {
      docs = await Promise.all(names.map(async (name) => (await rooms.get(name)).doc));
    } catch (err) {
      // Noted again as of the earliest: a change noted while the documents loaded is later.
      this.renote(pending);
      throw err;
    }
    const { tasks, responses } = taskRecords(docs);
    this.sync(tasks, responses, pending ?? now);
  }
}

/** The earlier of two times, either null (none): null only when both are. */
export function earliest(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

/** The newest `updatedAt` of a task's records and of the answers to it. */
function lastWrite(taskId: string, tasks: readonly Task[], responses: readonly TaskResponse[]): number {
  let latest = -Infinity;
  for (const t of tasks) if (t.id === taskId) latest = Math.max(latest, t.updatedAt);
  for (const r of responses) if (r.taskId === taskId) latest = Math.max(latest, r.updatedAt);
  return latest;
}
