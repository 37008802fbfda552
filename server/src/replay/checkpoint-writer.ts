import type { ReplayCheckpoint, UpdateLogStore } from '../storage/types.ts';
import { checkpointsOfLog, REPLAY_CHECKPOINT_EVERY } from '../storage/log-checkpoints.ts';
import { WarmLog, type AppendedUpdate, type WarmBoundary } from './warm-log.ts';

export interface CheckpointWriterOptions {
  onError?: (doc: string, err: unknown) => void;
  every?: number;
  /**
   * Keep each written document's log applied in memory (WarmLog) and make checkpoints from it.
   * Worth it only while this instance is the log's only writer (no Redis relay): otherwise every
   * boundary fails its check and is made from the log as well.
   */
  warm?: boolean;
}

/**
 * Stores the replay checkpoints of live documents as their logs grow, so the first replay ever of
 * an operation reads one stored checkpoint and at most {@link REPLAY_CHECKPOINT_EVERY} updates per
 * document (docs/replay.md, Stored checkpoints).
 *
 * Rooms tell it of each update they append ({@link appended}). Catching up from the log: from the
 * newest stored checkpoint it reads the next REPLAY_CHECKPOINT_EVERY updates from the store (a page
 * of the log, in seq order), applies them and stores the state, as long as whole pages remain.
 * Warm (option `warm`): after catching up it keeps the rest of the log applied in memory and
 * applies each update the rooms hand it; at a boundary it encodes that state, and stores it once
 * the store confirms that the boundary's seq is the REPLAY_CHECKPOINT_EVERY-th update after the
 * checkpoint before (so no other writer's update is missing from it), else it catches up from the
 * log. Either way a checkpoint is exact: its state is the log applied in seq order up to its seq.
 * The store refuses a checkpoint for a seq its log no longer holds (a purge meanwhile) and keeps
 * the first one stored at a seq.
 */
export class ReplayCheckpointWriter {
  /** Per cold document: updates still to be appended before its next checkpoint is due (absent: check now). */
  private readonly due = new Map<string, number>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly warm = new Map<string, WarmLog>();
  /** Updates handed while the document catches up (and then warms up with them). */
  private readonly held = new Map<string, AppendedUpdate[]>();
  /** Updates handed to warm documents, applied on the next turn of the event loop. */
  private readonly queued = new Map<string, AppendedUpdate[]>();
  private drainArmed = false;
  /** Per warm document: its boundaries being checked and stored, one after another. */
  private readonly storing = new Map<string, Promise<void>>();
  /** Warm logs whose count from the stored checkpoints is wrong (failed check or store): their boundaries are dropped. */
  private readonly stale = new WeakSet<WarmLog>();
  private closed = false;
  private readonly onError: (doc: string, err: unknown) => void;
  private readonly every: number;
  private readonly warmEnabled: boolean;

  constructor(
    private readonly store: UpdateLogStore,
    options: CheckpointWriterOptions = {},
  ) {
    this.onError = options.onError ?? (() => undefined);
    this.every = options.every ?? REPLAY_CHECKPOINT_EVERY;
    this.warmEnabled = options.warm ?? false;
  }

  /** One update of `doc` was appended (a room's commit, `update` at `seq`): checkpoint when one is due. */
  appended(doc: string, update?: AppendedUpdate): void {
    if (this.closed) return;
    if (this.warmEnabled && update) {
      if (this.warm.has(doc)) return this.enqueue(doc, update);
      const held = this.held.get(doc);
      if (held) held.push(update);
      else this.held.set(doc, [update]);
      if (!this.running.has(doc)) void this.catchUp(doc);
      return;
    }
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
   * The document's room unloaded: drop its warm log (the next append warms it up again). Its
   * boundaries already reached are still stored: they hold their states.
   */
  forget(doc: string, only?: WarmLog): void {
    const w = this.warm.get(doc);
    if (!w || (only && w !== only)) return;
    this.warm.delete(doc);
    this.queued.delete(doc);
    w.destroy();
  }

  /** Resolves when no catch-up, queued update or boundary is pending. */
  async idle(): Promise<void> {
    while (this.running.size || this.storing.size || this.drainArmed) {
      if (this.drainArmed) await new Promise((r) => setImmediate(r));
      await Promise.all([...this.running.values(), ...this.storing.values()]);
    }
  }

  /** Stop (the store is about to close): running catch-ups end after their current page. */
  async close(): Promise<void> {
    this.closed = true;
    this.due.clear();
    this.held.clear();
    this.queued.clear();
    await this.idle();
    for (const doc of [...this.warm.keys()]) this.forget(doc);
  }

  /** Store every checkpoint of `doc`'s log not stored yet (one catch-up per document at a time). */
  private catchUp(doc: string): Promise<void> {
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
      .finally(() => {
        this.running.delete(doc);
        // Not warmed up (failed, closed): what it held is in the log for the next catch-up.
        this.held.delete(doc);
      });
    this.running.set(doc, p);
    return p;
  }

  /** Store the checkpoints due, each from the one before and the next page of the log; then warm up. */
  private async step(doc: string): Promise<void> {
    let last: ReplayCheckpoint | null = await this.store.readReplayCheckpoint(doc, Number.MAX_SAFE_INTEGER);
    for (;;) {
      if (this.closed) return;
      const page = await this.store.readUpdateLogPage(doc, last?.seq ?? 0, this.every);
      if (page.length < this.every) {
        if (!this.warmEnabled) {
          this.due.set(doc, this.every - page.length);
          return;
        }
        const w = await WarmLog.build(last, page);
        if (this.closed) return w.destroy();
        this.warm.set(doc, w);
        // Handed meanwhile: those the page already held are skipped by seq.
        for (const u of this.held.get(doc) ?? []) this.enqueue(doc, u);
        this.held.delete(doc);
        return;
      }
      const [cp] = await checkpointsOfLog(doc, page, last, this.every);
      await this.store.saveReplayCheckpoint(cp!);
      last = cp!;
    }
  }

  private enqueue(doc: string, update: AppendedUpdate): void {
    const q = this.queued.get(doc);
    if (q) q.push(update);
    else this.queued.set(doc, [update]);
    if (this.drainArmed) return;
    this.drainArmed = true;
    setImmediate(() => this.drain());
  }

  /** Apply what the rooms handed to the warm documents; store the boundaries they reached. */
  private drain(): void {
    this.drainArmed = false;
    const queued = [...this.queued];
    this.queued.clear();
    for (const [doc, updates] of queued) {
      const w = this.warm.get(doc);
      if (!w) continue;
      for (const b of w.apply(updates, this.every)) this.storeBoundary(doc, w, b);
    }
  }

  private storeBoundary(doc: string, w: WarmLog, b: WarmBoundary): void {
    const before = this.storing.get(doc) ?? Promise.resolve();
    const p = before
      .then(async () => {
        if (this.closed || this.stale.has(w)) return;
        const span = await this.store.readUpdateLogSpan(doc, w.base.seq, this.every);
        if (span?.seq !== b.seq) {
          // Another writer's update is in the log between the two: make it from the log instead.
          this.stale.add(w);
          this.forget(doc, w);
          if (!this.closed) void this.catchUp(doc);
          return;
        }
        const cp = {
          doc,
          seq: b.seq,
          count: w.base.count + this.every,
          maxTime: Math.max(w.base.maxTime, span.maxTime),
          state: b.state,
        };
        await this.store.saveReplayCheckpoint(cp);
        w.base = { seq: cp.seq, count: cp.count, maxTime: cp.maxTime };
      })
      .catch((err: unknown) => {
        if (!this.closed) this.onError(doc, err);
        // The next boundary must not count from a checkpoint that was not stored.
        this.stale.add(w);
        this.forget(doc, w);
      })
      .finally(() => {
        if (this.storing.get(doc) === p) this.storing.delete(doc);
      });
    this.storing.set(doc, p);
  }
}
