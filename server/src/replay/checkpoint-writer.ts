import type { ReplayCheckpoint, UpdateLogStore } from '../storage/types.ts';
import { checkpointsOfLog, REPLAY_CHECKPOINT_EVERY } from '../storage/log-checkpoints.ts';

export interface CheckpointWriterOptions {
  onError?: (doc: string, err: unknown) => void;
  every?: number;
  /**
   * Checkpoints come with the rooms' snapshots ({@link ReplayCheckpointWriter.snapshotted}), not
   * from appended updates counted. Only while this instance is its logs' only writer (no Redis
   * relay): a room's document is then exactly its log applied.
   */
  fromSnapshots?: boolean;
}

/**
 * Stores the replay checkpoints of live documents as their logs grow, so the first replay ever of
 * an operation reads one stored checkpoint and about {@link REPLAY_CHECKPOINT_EVERY} updates per
 * document at most (docs/replay.md, Stored checkpoints).
 *
 * Catching up from the log (`catchUp`): from the newest stored checkpoint it reads the next
 * REPLAY_CHECKPOINT_EVERY updates from the store (a page of the log, in seq order), applies them
 * and stores the state, for as long as whole pages remain. The checkpoint is then exact by
 * construction: its state is the log applied in seq order up to its seq.
 *
 * Two ways to know when: with several instances on one log the rooms tell it of each update they
 * append ({@link appended}) and it catches up each REPLAY_CHECKPOINT_EVERY updates. Alone on its
 * logs (`fromSnapshots`), a room's snapshot is its document's state with every update durable, that
 * is exactly the log applied up to the snapshot's seq; the first snapshot at least
 * REPLAY_CHECKPOINT_EVERY updates after the newest checkpoint is stored as the next one
 * ({@link snapshotted}), counted and timed by the store. Nothing is read back or applied again
 * then, only once per document and process, to catch up what an older log lacks.
 *
 * The store refuses a checkpoint for a seq its log no longer holds (a purge meanwhile) and keeps
 * the first one stored at a seq.
 */
export class ReplayCheckpointWriter {
  /** Per document: updates still to be appended before its next checkpoint is due (absent: check now). */
  private readonly due = new Map<string, number>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  /** Documents caught up from the log since this process started (snapshots keep them so). */
  private readonly caughtUp = new Set<string>();
  private closed = false;
  private readonly onError: (doc: string, err: unknown) => void;
  private readonly every: number;
  private readonly fromSnapshots: boolean;

  constructor(
    private readonly store: UpdateLogStore,
    options: CheckpointWriterOptions = {},
  ) {
    this.onError = options.onError ?? (() => undefined);
    this.every = options.every ?? REPLAY_CHECKPOINT_EVERY;
    this.fromSnapshots = options.fromSnapshots ?? false;
  }

  /** One update of `doc` was appended (a room's commit): catch up when a checkpoint may be due. */
  appended(doc: string): void {
    if (this.closed || this.fromSnapshots) return;
    const left = this.due.get(doc);
    if (left !== undefined && left > 1) {
      this.due.set(doc, left - 1);
      return;
    }
    // Until the catch-up tells how far the next boundary is (after a restart: unknown).
    this.due.set(doc, this.every);
    void this.catchUp(doc);
  }

  /**
   * A room stored a snapshot of `doc`: `state` is its log applied up to `seq`. Stored as a
   * checkpoint too when it is at least a checkpoint interval past the newest one.
   */
  snapshotted(doc: string, seq: number, state: Uint8Array): Promise<void> {
    if (this.closed || !this.fromSnapshots) return Promise.resolve();
    return this.exclusive(doc, async () => {
      let last: ReplayCheckpoint | null;
      if (this.caughtUp.has(doc)) last = await this.store.readReplayCheckpoint(doc, Number.MAX_SAFE_INTEGER);
      else {
        last = await this.step(doc);
        this.caughtUp.add(doc);
      }
      if (this.closed) return;
      const span = await this.store.readUpdateLogSpan(doc, last?.seq ?? 0, seq, Number.MAX_SAFE_INTEGER);
      if (span.count < this.every || span.lastSeq !== seq) return;
      await this.store.saveReplayCheckpoint({
        doc,
        seq,
        count: (last?.count ?? 0) + span.count,
        maxTime: Math.max(last?.maxTime ?? -Infinity, span.maxTime),
        state,
      });
    });
  }

  /** Resolves when no catch-up runs. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all(this.running.values());
  }

  /** Stop (the store is about to close): running catch-ups end after their current page. */
  async close(): Promise<void> {
    this.closed = true;
    this.due.clear();
    await this.idle();
  }

  /** Store every checkpoint of `doc`'s log not stored yet (one catch-up per document at a time). */
  private catchUp(doc: string): Promise<void> {
    const run = this.running.get(doc);
    if (run) {
      this.again.add(doc);
      return run;
    }
    return this.exclusive(doc, async () => {
      do {
        this.again.delete(doc);
        await this.step(doc);
      } while (this.again.has(doc) && !this.closed);
    });
  }

  /** Run `task` after every earlier one of `doc` (catch-ups and snapshots, one at a time). */
  private exclusive(doc: string, task: () => Promise<void>): Promise<void> {
    const before = this.running.get(doc) ?? Promise.resolve();
    const p: Promise<void> = before
      .then(task)
      .catch((err: unknown) => {
        if (!this.closed) this.onError(doc, err);
      })
      .finally(() => {
        if (this.running.get(doc) === p) this.running.delete(doc);
      });
    this.running.set(doc, p);
    return p;
  }

  /** Store the checkpoints due, each from the one before and the next page of the log; the newest after. */
  private async step(doc: string): Promise<ReplayCheckpoint | null> {
    let last: ReplayCheckpoint | null = await this.store.readReplayCheckpoint(doc, Number.MAX_SAFE_INTEGER);
    for (;;) {
      if (this.closed) return last;
      // Counted first: the updates' bytes are read only for a whole page.
      const { count } = await this.store.readUpdateLogSpan(doc, last?.seq ?? 0, Number.MAX_SAFE_INTEGER, this.every);
      if (count < this.every) {
        if (!this.fromSnapshots) this.due.set(doc, this.every - count);
        return last;
      }
      const page = await this.store.readUpdateLogPage(doc, last?.seq ?? 0, this.every);
      const [cp] = await checkpointsOfLog(doc, page, last, this.every);
      if (!cp) return last;
      await this.store.saveReplayCheckpoint(cp);
      last = cp;
    }
  }
}
