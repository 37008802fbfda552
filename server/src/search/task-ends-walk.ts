import { backoffDelay } from '@jointmap/shared';
import type { UpdateLogStore } from '../storage/types.ts';
import type { PendingTimer, PendingWork } from './pending-work.ts';
import { StoredTaskEnds } from './stored-task-ends.ts';
import { earliest, type TaskEndHistory } from './task-end-history.ts';
import type { WalkSlots } from './walk-slots.ts';

/** Walks on over what was stored meanwhile at most this many times before the spells are adopted. */
const CATCH_UP_ROUNDS = 3;

export interface TaskEndsWalkOptions {
  store: Pick<UpdateLogStore, 'readUpdateLogPage' | 'readUpdateLogHeads'>;
  /** The walk counts as pending work (a shutdown waits for it to stop). */
  work: PendingWork;
  /** The walk waits its turn among the service's walks (shared by every operation's). */
  slots: WalkSlots;
  /** A walk that failed is tried again after this long (ms), doubling up to a minute. */
  retryMs: number;
  /** The walk finished, or is to be tried again: read the operation (the read adopts it, or starts it again). */
  onReady(): void;
  log(err: unknown, retryInMs: number): void;
}

/**
 * The live coverage's walk of an operation's stored logs for when its tasks ended and were
 * reopened (`StoredTaskEnds`), run beside the operation's reads rather than before the first one:
 * a long log (100,000 updates take seconds) holds back no viewer's coverage. Until the walk is
 * adopted, the reads date what they see (a task already ended, from its records' time), and the
 * coverage built on that is sent; the searches whose task's spells the walk changes are then
 * rebuilt, and their coverage sent again.
 *
 * Walks of the service's operations run a few at a time (`WalkSlots`, in the order asked: at
 * start-up every active operation asks at once). A walk that finished keeps its documents encoded
 * (`StoredTaskEnds.compact`) until it is adopted: a read then walks on over the updates stored
 * meanwhile, loading only the documents whose logs grew, until no log is behind (at most
 * {@link CATCH_UP_ROUNDS} times), so every change stored before the last walk on is dated by its
 * stored time, never by a read that came later (`TaskEndHistory.forgetChanges`); a change noted
 * after it is dated by the read, from its commit. Once adopted (or failed) nothing is kept.
 */
export class TaskEndsWalk {
  private ends: StoredTaskEnds | null = null;
  private finished = false;
  private failures = 0;
  private retry: PendingTimer | null = null;
  private readonly stop = new AbortController();
  /** Whether the history holds the walked spells (nothing more to walk). */
  private adopted = false;

  constructor(private readonly o: TaskEndsWalkOptions) {}

  /**
   * Part of a read of the operation (one at a time): start the walk of documents `names` unless one
   * is under way or waits to be tried again; once one finished, walk on until no log is behind and
   * give `history` its spells. Throws when the walk on fails (the next read walks from the start;
   * the changes noted stay noted).
   */
  async step(history: TaskEndHistory, names: readonly string[]): Promise<void> {
    if (this.adopted || this.stop.signal.aborted) return;
    if (!this.ends) {
      if (!this.retry) this.start(names);
      return;
    }
    if (!this.finished) return;
    const ends = this.ends;
    // When the first change noted before the last forget was committed: noted again if the walk
    // on fails, for the next read to date it as before.
    let forgotten: number | null = null;
    try {
      // Logs that keep growing end the catch-up after a few rounds: the changes noted after the
      // last forget are dated by the reads, from their commit. Each round reads the heads once,
      // after its forget (the changes forgotten are stored by then): none behind ends it.
      for (let round = 0; round < CATCH_UP_ROUNDS; round++) {
        forgotten = earliest(forgotten, history.forgetChanges());
        if (!(await ends.walk(this.o.store, names, this.stop.signal))) break;
      }
    } catch (err) {
      history.renote(forgotten);
      this.drop();
      // Closed meanwhile: nothing to adopt, nothing to report.
      if (this.stop.signal.aborted) return;
      throw err;
    }
    history.adopt(ends.history);
    this.adopted = true;
    this.drop();
  }

  /** Stop a walk under way (between two pages) or waiting its turn, and any retry; nothing is walked any more. */
  close(): void {
    this.stop.abort();
    this.retry?.cancel();
    this.retry = null;
    if (this.finished) this.drop();
  }

  private start(names: readonly string[]): void {
    const ends = new StoredTaskEnds(true);
    this.ends = ends;
    this.finished = false;
    const walked = this.walkInTurn(ends, names).then(
      () => {
        if (this.ends !== ends) return;
        this.finished = true;
        if (!this.stop.signal.aborted) this.o.onReady();
        else this.drop();
      },
      (err: unknown) => {
        ends.dispose();
        if (this.ends === ends) this.ends = null;
        if (this.stop.signal.aborted) return;
        const retryInMs = backoffDelay(this.failures++, { baseMs: this.o.retryMs, maxMs: 60_000 });
        this.o.log(err, retryInMs);
        this.retry = this.o.work.later(retryInMs, () => {
          this.retry = null;
          this.o.onReady();
        });
      },
    );
    void this.o.work.track(walked);
  }

  /** The first walk, once its turn came (the slot is given back as it ends, its documents encoded). */
  private async walkInTurn(ends: StoredTaskEnds, names: readonly string[]): Promise<void> {
    const release = await this.o.slots.take(this.stop.signal);
    try {
      await ends.walk(this.o.store, names, this.stop.signal);
      // Kept for the walk on (`step`), which loads only the documents whose logs grew meanwhile.
      ends.compact();
    } finally {
      release();
    }
  }

  private drop(): void {
    this.ends?.dispose();
    this.ends = null;
    this.finished = false;
  }
}
