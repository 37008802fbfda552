import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { AppError, operationDocNames, type Principal, type TaskTimeline, type TimelineEvent } from '@jointmap/shared';
import type { AppContext } from '../services/context.ts';
import { getVisibleOperation } from '../services/operations.ts';
import { logPages, logsGrewPast, YIELD_EVERY } from '../report/log-walk.ts';
import type { Operation, Storage } from '../storage/types.ts';
import { TaskTimelineReplay, withUserNames } from './task-timeline.ts';

/** One walk of an operation's logs for one task. */
interface Walk {
  /** The documents walked and the restore they came from: another of either is another walk. */
  tag: string;
  /** Order of starting among these walks. */
  started: number;
  /** The task's events, oldest first, and the last seq read of each log. Shared: never change it. */
  result: Promise<{ events: TimelineEvent[]; heads: Map<string, number> }>;
}

/**
 * Tasks' timelines (`GET /api/operations/:id/tasks/:taskId/timeline`), replayed from the update log
 * of every document of the operation. Each log is read a page at a time (`logPages`, a turn of the
 * event loop after each page) and replayed with a turn every `YIELD_EVERY` updates: an operation's
 * tens of thousands of updates never hold the server at once.
 *
 * The console asks for a timeline again at each change of its task, often from two panels at
 * once: a request takes a walk of the same task under way when it started after the request came,
 * or when, once done, no log has had an update appended after the walk read it (their heads, read
 * in one statement), as `OperationReplays` does for the report. So every answer counts every
 * update stored before its request, and requests at once walk once. Nothing is kept after a walk ends.
 * One per app.
 */
export class TaskTimelines {
  private readonly walks = new Map<string, Walk>();
  private clock = 0;

  constructor(private readonly ctx: AppContext) {}

  /**
   * The task's timeline, oldest first. NOT_FOUND when the user may not see the operation, or when
   * no document of it ever held the task.
   */
  async load(user: Principal, operationId: string, taskId: string): Promise<TaskTimeline> {
    const op = await getVisibleOperation(this.ctx, user, operationId);
    const events = await this.events(op, taskId);
    if (!events.some((e) => e.type === 'task_raised'))
      throw new AppError('NOT_FOUND', `no task ${taskId} in operation ${operationId}`);
    const userNames = new Map<string, string>();
    for (const id of new Set(events.flatMap((e) => (e.userId === null ? [] : [e.userId])))) {
      const account = await this.ctx.storage.getAccount(id);
      if (account) userNames.set(id, account.name);
    }
    return { taskId, events: withUserNames(events, userNames) };
  }

  private async events(op: Pick<Operation, 'id' | 'stations' | 'restoredAt'>, taskId: string) {
    const key = JSON.stringify([op.id, taskId]);
    const names = operationDocNames(op.id, op.stations);
    const tag = JSON.stringify([op.restoredAt ?? null, names]);
    const arrived = this.clock;
    for (;;) {
      const walk = this.walks.get(key);
      if (walk?.tag !== tag) return (await this.start(key, tag, names, taskId).result).events;
      if (walk.started > arrived) return (await walk.result).events;
      const done = await walk.result.catch(() => null);
      if (done && (await this.unchanged(done.heads))) return done.events;
      // Changed since (or failed): walk again, unless a request meanwhile did (then that one serves).
      const now = this.walks.get(key);
      if (!now || now === walk) return (await this.start(key, tag, names, taskId).result).events;
    }
  }

  private start(key: string, tag: string, names: readonly string[], taskId: string): Walk {
    const heads = new Map<string, number>(names.map((n) => [n, 0]));
    const walk: Walk = {
      tag,
      started: ++this.clock,
      result: walkTimeline(this.ctx.storage, names, taskId, heads).then((events) => ({ events, heads })),
    };
    this.walks.set(key, walk);
    const forget = () => {
      if (this.walks.get(key) === walk) this.walks.delete(key);
    };
    walk.result.then(forget, forget);
    return walk;
  }

  /** Whether no log has had an update appended after the walk read it. */
  private async unchanged(heads: ReadonlyMap<string, number>): Promise<boolean> {
    return !(await logsGrewPast(this.ctx.storage, heads));
  }
}

/**
 * The task's events in every log of `names`, sorted; `heads` gets the last seq read of each log.
 * Stable: events of one millisecond keep their document order (command first) and log order,
 * except that a task is raised before anything else that happened to it in that millisecond.
 */
async function walkTimeline(
  store: Pick<Storage, 'readUpdateLogPage'>,
  names: readonly string[],
  taskId: string,
  heads: Map<string, number>,
): Promise<TimelineEvent[]> {
  const events: TimelineEvent[] = [];
  for (const name of names) {
    const replay = new TaskTimelineReplay(name, taskId);
    try {
      let applied = 0;
      for await (const page of logPages(store, name)) {
        for (const u of page) {
          replay.apply(u);
          if (++applied % YIELD_EVERY === 0) await yieldToEventLoop();
        }
        heads.set(name, page.at(-1)!.seq);
      }
      // The next log's first page is read at once otherwise (`logPages` yields only between its pages).
      await yieldToEventLoop();
      events.push(...replay.events());
    } finally {
      replay.destroy();
    }
  }
  const raisedFirst = (e: TimelineEvent) => (e.type === 'task_raised' ? 0 : 1);
  return events.sort((a, b) => a.time - b.time || raisedFirst(a) - raisedFirst(b));
}
