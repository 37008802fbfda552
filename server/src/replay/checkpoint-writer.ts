import type { ReplayCheckpoint, UpdateLogStore } from '../storage/types.ts';
import { checkpointsOfLog, REPLAY_CHECKPOINT_EVERY } from '../storage/log-checkpoints.ts';

/**
 * Stores the replay checkpoints of live documents as their logs grow, so the first replay ever of
 * an operation reads one stored checkpoint and at most {@link REPLAY_CHECKPOINT_EVERY} updates per
 * document (docs/replay.md, Stored checkpoints).
 *
 * Rooms tell it of each update they append ({@link appended}); when a document's log has passed
 * the next multiple of REPLAY_CHECKPOINT_EVERY it catches up in the background: from the newest
 * stored checkpoint it reads the next REPLAY_CHECKPOINT_EVERY updates from the store (a page of
 * the log, in seq order), applies them and stores the state. A checkpoint is therefore exact by
 * construction (its state is the log applied in seq order up to its seq, whatever the room holds
 * in memory), whichever instance appended the updates. The store refuses a checkpoint for a seq its
 * log no longer holds (a purge meanwhile) and keeps the first one stored at a seq.
 */
export class ReplayCheckpointWriter {
  /** Per document: updates still to be appended before its next checkpoint is due (absent: check now). */
  private readonly due = new Map<string, number>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private closed = false;

  constructor(
    private readonly store: UpdateLogStore,
    private readonly onError: (doc: string, err: unknown) => void = () => undefined,
    private readonly every = REPLAY_CHECKPOINT_EVERY,
  ) {}

  /** One update of `doc` was appended (a room's commit): catch up when a checkpoint may be due. */
  appended(doc: string): void {
    if (this.closed) return;
    const left = this.due.get(doc);
    if (left !== undefined && left > 1) {
      this.due.set(doc, left - 1);
      return;
    }
    // Until the catch-up tells how far the next boundary is (after a restart: unknown).
    this.due.set(doc, this.every);
    void this.catchUp(doc);
  }

  /** Store every checkpoint of `doc`'s log not stored yet (one catch-up per document at a time). */
  catchUp(doc: string): Promise<void> {
    const run = this.running.get(doc);
    if (run) {
      this.again.add(doc);
      return run;
    }
    const p = (async () => {
      do {
        this.again.delete(doc);
        await this.step(doc);
      } while (this.again.has(doc) && !this.closed);
    })()
      .catch((err: unknown) => {
        if (!this.closed) this.onError(doc, err);
      })
      .finally(() => this.running.delete(doc));
    this.running.set(doc, p);
    return p;
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

  /** Store the checkpoints due: each from the one before and the next page of the log. */
  private async step(doc: string): Promise<void> {
    let last: ReplayCheckpoint | null = await this.store.readReplayCheckpoint(doc, Number.MAX_SAFE_INTEGER);
    for (;;) {
      if (this.closed) return;
      const page = await this.store.readUpdateLogPage(doc, last?.seq ?? 0, this.every);
      if (page.length < this.every) {
        this.due.set(doc, this.every - page.length);
        return;
      }
      const [cp] = await checkpointsOfLog(doc, page, last, this.every);
      await this.store.saveReplayCheckpoint(cp!);
      last = cp!;
    }
  }
}
