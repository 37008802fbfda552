import { operationDocNames } from '@jointmap/shared';
import type { TaskEndHistory } from '../search/task-end-history.ts';
import { StoredTaskEnds } from '../search/stored-task-ends.ts';
import type { Operation, UpdateLogStore } from '../storage/types.ts';

/** Operations whose task ends are kept between replay requests. */
const KEEP_OPERATIONS = 8;
/**
 * Of those, the operations replayed last whose documents are kept in memory (a Y.Doc takes about
 * five times its encoded size: 26 MB for a 4.6 MB command document); the others' are kept encoded.
 */
const KEEP_IN_MEMORY = 2;

type ReplayedOperation = Pick<Operation, 'id' | 'stations' | 'status' | 'restoredAt'>;

/**
 * When each task of a replayed operation ended and was reopened (`StoredTaskEnds`, the live
 * coverage's source after a restart too): replayed coverage counts no sweep of a search while its
 * task had ended, as the live coverage does.
 *
 * The spells come from the whole logs, as `ReplayUnitTasks` reads the rosters: an update stored
 * after a moment changes nothing before it, except a task first stored already ended, which
 * reaches back to its records' own time. An operation's walk is kept, and when its logs have grown
 * (an operation under way, its documents kept to go on from) the walk goes on from the last
 * update read: a replay played every 2 s reads and applies the new updates only, and a document
 * whose log has not grown is not loaded. The documents of the operations replayed last stay in
 * memory, so going on costs nothing more; older ones are kept encoded, and loaded again when
 * their logs grow.
 */
export class ReplayTaskEnds {
  private readonly kept = new Map<string, StoredTaskEnds>();
  /** Walks under way: a second request for the same operation waits for it. */
  private readonly walking = new Map<string, Promise<StoredTaskEnds>>();
  /** Walks from the start, and walks gone on from a kept one (tests). */
  readonly stats = { walked: 0, wentOn: 0 };

  constructor(private readonly store: Pick<UpdateLogStore, 'readUpdateLogPage' | 'readUpdateLogHeads'>) {}

  /** The task ends of operation `op` as its stored logs hold them now. */
  async of(op: ReplayedOperation): Promise<TaskEndHistory> {
    const key = JSON.stringify([op.id, op.restoredAt ?? null]);
    const under = this.walking.get(key);
    if (under) return (await under).history;
    const walk = this.update(key, op).finally(() => this.walking.delete(key));
    this.walking.set(key, walk);
    return (await walk).history;
  }

  private async update(key: string, op: ReplayedOperation): Promise<StoredTaskEnds> {
    const names = operationDocNames(op.id, op.stations);
    const kept = this.kept.get(key);
    // Taken out while it may change: a walk that fails leaves no half-advanced spells behind.
    this.kept.delete(key);
    let ends = kept;
    try {
      // A walk that can go on reads the heads once and tells whether any log was behind them.
      if (kept?.resumable) {
        if (await kept.walk(this.store, names)) this.stats.wentOn++;
      } else if (kept && (await kept.behind(this.store, names))) ends = undefined;
      if (!ends) {
        kept?.dispose();
        // A closed operation's logs do not grow: its documents are not kept.
        ends = new StoredTaskEnds(op.status === 'active');
        this.stats.walked++;
        await ends.walk(this.store, names);
      }
    } catch (err) {
      ends?.dispose();
      throw err;
    }
    // Most recently used last.
    this.kept.set(key, ends);
    while (this.kept.size > KEEP_OPERATIONS) {
      const oldest = this.kept.keys().next().value!;
      this.kept.get(oldest)?.dispose();
      this.kept.delete(oldest);
    }
    let older = this.kept.size - KEEP_IN_MEMORY;
    for (const e of this.kept.values()) if (older-- > 0) e.compact();
    return ends;
  }
}
