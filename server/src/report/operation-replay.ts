import { operationDocNames } from '@jointmap/shared';
import type { Operation, UpdateLogStore } from '../storage/types.ts';
import { logPages, logsGrewPast } from './log-walk.ts';
import { replayLogs, type Replayed } from './report-replay.ts';

/** How long a walk is kept: the report page asks for the report and its map at once. */
export const KEEP_MS = 60_000;
/** Operations whose walk is kept at once (each its tasks' and units' stories, never the logs). */
const KEEP_AT_MOST = 4;

type LogStore = Pick<UpdateLogStore, 'readUpdateLogPage' | 'readUpdateLogHeads'>;
type OperationLogs = Pick<Operation, 'id' | 'stations' | 'restoredAt'>;

interface Walk {
  /** The documents walked and the restore they came from: another of either is another walk. */
  tag: string;
  /** Order of starting among this store's walks. */
  started: number;
  result: Promise<{ replayed: Replayed; heads: Map<string, number> }>;
  /** Forgets the walk when it has been kept long enough. */
  timer?: NodeJS.Timeout;
}

/**
 * The walk of an operation's update logs (`replayLogs`), shared by the after-action report and its
 * map: the page asks for both at once, and each needs the same walk (the map its units), which is
 * the longest part of either. A request takes a walk started after it came, or an earlier one whose
 * logs have had nothing appended since (their heads, read in one statement; a log only grows until
 * a purge, which the routes refuse, or a restore, which is part of the tag). So every answer counts
 * every update stored before its request, as a walk of its own would. The result is shared: read it,
 * never change it. One per app (`AppContext.replays`, on the app's storage), closed with the app.
 */
export class OperationReplays {
  private readonly walks = new Map<string, Walk>();
  private clock = 0;

  constructor(
    private readonly store: LogStore,
    private readonly keepMs = KEEP_MS,
  ) {}

  async get(op: OperationLogs): Promise<Replayed> {
    const names = operationDocNames(op.id, op.stations);
    const tag = JSON.stringify([op.restoredAt ?? null, names]);
    const arrived = this.clock;
    for (;;) {
      const walk = this.walks.get(op.id);
      if (walk?.tag !== tag) return (await this.start(op.id, tag, names).result).replayed;
      if (walk.started > arrived) return (await walk.result).replayed;
      const done = await walk.result.catch(() => null);
      if (done && (await this.unchanged(done.heads))) return done.replayed;
      // Changed since (or failed): walk again, unless a request meanwhile did (then that one serves).
      if (this.walks.get(op.id) === walk) return (await this.start(op.id, tag, names).result).replayed;
    }
  }

  private start(id: string, tag: string, names: readonly string[]): Walk {
    const heads = new Map<string, number>(names.map((n) => [n, 0]));
    const walk: Walk = {
      tag,
      started: ++this.clock,
      result: replayLogs(names.map((n) => headOf(logPages(this.store, n), (seq) => heads.set(n, seq)))).then(
        (replayed) => ({ replayed, heads }),
      ),
    };
    this.drop(id);
    this.walks.set(id, walk);
    for (const oldest of [...this.walks.keys()].slice(0, -KEEP_AT_MOST)) this.drop(oldest);
    const forget = () => {
      if (this.walks.get(id) === walk) this.drop(id);
    };
    // Never keeps the process up; a failed walk is not kept (the next request walks again).
    walk.timer = setTimeout(forget, this.keepMs).unref();
    walk.result.catch(forget);
    return walk;
  }

  /** Forget every walk, timers and all (the app closes): nothing of them is held or waits after. */
  close(): void {
    for (const id of [...this.walks.keys()]) this.drop(id);
  }

  /** Forget a walk, timer and all, so nothing holds its result once it is replaced or evicted. */
  private drop(id: string): void {
    clearTimeout(this.walks.get(id)?.timer);
    this.walks.delete(id);
  }

  /** Whether no log has had an update appended after the walk read it. */
  private async unchanged(heads: ReadonlyMap<string, number>): Promise<boolean> {
    return !(await logsGrewPast(this.store, heads));
  }
}

/** The pages as they come, telling the last seq read. */
async function* headOf<T extends { seq: number }>(
  pages: AsyncIterable<readonly T[]>,
  onHead: (seq: number) => void,
): AsyncGenerator<readonly T[]> {
  for await (const page of pages) {
    if (page.length) onHead(page.at(-1)!.seq);
    yield page;
  }
}
