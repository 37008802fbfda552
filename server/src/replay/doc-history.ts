import * as Y from 'yjs';
import type { LoggedUpdate, ReplayCheckpoint } from '../storage/types.ts';
import { REPLAY_CHECKPOINT_EVERY } from '../storage/log-checkpoints.ts';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { LogWalker, type KeyChange } from '../report/log-walk.ts';

/** A checkpoint every this many updates of a document (its encoded state after them). */
export const CHECKPOINT_EVERY = REPLAY_CHECKPOINT_EVERY;

/** Record maps whose changes become replay events. */
export const WATCHED_MAPS = ['tasks', 'responses', 'units', 'searches', 'sectors'] as const;

/** A checkpoint as taken: the encoded state after the first `count` updates (the last `seq`). */
export interface TakenCheckpoint {
  count: number;
  seq: number;
  /** The latest time among the updates covered. */
  maxTime: number;
  state: Uint8Array;
}

/** A record change seen while walking a document's log. */
export type RecordChange = KeyChange & { scope: string };

/**
 * The history of one document for replay: its update log and encoded-state checkpoints every
 * {@link CHECKPOINT_EVERY} updates. A builder document applies the log once, in order, a block
 * of updates per transaction (Yjs applies a block in one transaction about three times faster than
 * one by one), taking a checkpoint after each block; it only moves forward and only as far as a
 * request needs. A moment then costs the nearest checkpoint at or before it plus at most
 * {@link CHECKPOINT_EVERY} updates: the log is walked once per process, never from the start for
 * each moment. Record changes (for the events list) come from a second, per-update walk, made
 * only when the events are asked for.
 *
 * A moment `t` is "every update stored at or before `t`". Server clocks can step back, so the log
 * is not assumed sorted by time: a checkpoint counts for `t` only when every update it covers is at
 * or before `t` (prefix maximum), and updates after it are filtered by time up to the first index
 * from which all are later than `t` (suffix minimum).
 */
export class DocHistory {
  private log: LoggedUpdate[] = [];
  private prefMax: number[] = [];
  private sufMin: number[] = [];
  /** Encoded state after the first `n` updates, keyed by `n` (a multiple of CHECKPOINT_EVERY). */
  private readonly checkpoints = new Map<number, Uint8Array>();
  /** Applies the log in blocks for the checkpoints; `built` updates so far. */
  private builder = new Y.Doc();
  private built = 0;
  /** Applies the log one update at a time, reporting record changes (made on first use). */
  private walker: LogWalker | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly scope: string,
    private readonly onChange: (c: RecordChange) => void,
    /** Told of each checkpoint taken (to store it): after `count` updates, the last `seq`. */
    private readonly onCheckpoint?: (cp: TakenCheckpoint) => void,
  ) {}

  get length(): number {
    return this.log.length;
  }

  get lastSeq(): number {
    return this.log.at(-1)?.seq ?? 0;
  }

  /** How many updates have had their record changes reported. */
  get walked(): number {
    return this.walker?.applied ?? 0;
  }

  /** Time of the first and the last update (null when the log is empty). */
  get span(): { first: number; last: number } | null {
    return this.log.length ? { first: this.sufMin[0]!, last: this.prefMax.at(-1)! } : null;
  }

  /**
   * Take a newer read of the log. The log is append-only, so a read that extends the one held
   * keeps every checkpoint; any other (a restored archive replaced it) starts over and returns true.
   */
  replaceLog(log: LoggedUpdate[]): Promise<boolean> {
    return this.serial(async () => this.setLog(log));
  }

  private setLog(log: LoggedUpdate[]): boolean {
    const old = this.log;
    const extends_ = log.length >= old.length && (old.length === 0 || log[old.length - 1]?.seq === old.at(-1)!.seq);
    this.log = log;
    this.prefMax = new Array<number>(log.length);
    this.sufMin = new Array<number>(log.length);
    let max = -Infinity;
    for (let i = 0; i < log.length; i++) this.prefMax[i] = max = Math.max(max, log[i]!.time);
    let min = Infinity;
    for (let i = log.length - 1; i >= 0; i--) this.sufMin[i] = min = Math.min(min, log[i]!.time);
    if (extends_) return false;
    this.reset();
    return true;
  }

  /** How many updates are stored at or before `at`. */
  countAt(at: number): number {
    const covered = upperBound(this.prefMax, at);
    const end = upperBound(this.sufMin, at);
    let n = covered;
    for (let i = covered; i < end; i++) if (this.log[i]!.time <= at) n++;
    return n;
  }

  /** Walk the whole log one update at a time, reporting every record change not yet reported. */
  walkAll(): Promise<void> {
    return this.serial(async () => {
      const walker = (this.walker ??= new LogWalker(WATCHED_MAPS, (c) => this.onChange({ ...c, scope: this.scope })));
      // This walk passes every checkpoint too: take the ones not built yet (moments after it are warm).
      await walker.advance(this.log, this.log.length, (n) => {
        if (n % CHECKPOINT_EVERY === 0 && !this.checkpoints.has(n)) this.keep(n, Y.encodeStateAsUpdate(walker.doc));
      });
    });
  }

  /** The document as it was at `at`: a new Y.Doc the caller owns (and destroys). */
  docAt(at: number): Promise<Y.Doc> {
    return this.serial(async () => {
      // Updates [0, covered) are all at or before `at`; none from `end` on is.
      const covered = upperBound(this.prefMax, at);
      const end = upperBound(this.sufMin, at);
      const base = Math.floor(covered / CHECKPOINT_EVERY) * CHECKPOINT_EVERY;
      await this.advance(base);
      const doc = new Y.Doc();
      const state = base === 0 ? null : this.checkpoints.get(base)!;
      doc.transact(() => {
        if (state) Y.applyUpdate(doc, state);
        for (let i = base; i < end; i++) if (this.log[i]!.time <= at) Y.applyUpdate(doc, this.log[i]!.update);
      });
      return doc;
    });
  }

  /**
   * Take stored checkpoints (exact: the log applied in seq order up to their seq) instead of
   * building them: those on a checkpoint boundary whose seq is the log's at that count.
   */
  seed(stored: readonly ReplayCheckpoint[]): Promise<void> {
    return this.serial(async () => {
      for (const cp of stored) {
        const n = cp.count;
        if (n % CHECKPOINT_EVERY !== 0 || n === 0 || n > this.log.length || this.log[n - 1]!.seq !== cp.seq) continue;
        if (!this.checkpoints.has(n)) this.checkpoints.set(n, cp.state);
      }
    });
  }

  /** How many checkpoints are held. */
  get checkpointCount(): number {
    return this.checkpoints.size;
  }

  /** How many updates the builder document has applied (checkpoints taken from the store are not built). */
  get builtTo(): number {
    return this.built;
  }

  /** Build every checkpoint of the log held (a block per turn of the event loop). */
  buildAll(): Promise<void> {
    return this.serial(() => this.advance(Math.floor(this.log.length / CHECKPOINT_EVERY) * CHECKPOINT_EVERY));
  }

  destroy(): void {
    this.reset();
    this.builder.destroy();
  }

  private keep(n: number, state: Uint8Array): void {
    this.checkpoints.set(n, state);
    this.onCheckpoint?.({ count: n, seq: this.log[n - 1]!.seq, maxTime: this.prefMax[n - 1]!, state });
  }

  private reset(): void {
    this.checkpoints.clear();
    this.walker?.destroy();
    this.walker = null;
    this.builder.destroy();
    this.builder = new Y.Doc();
    this.built = 0;
  }

  /** Build checkpoints up to `to` (a multiple of CHECKPOINT_EVERY), a block per turn of the event loop. */
  private async advance(to: number): Promise<void> {
    if (to === 0 || this.checkpoints.has(to)) return;
    // Start from the furthest checkpoint before `to` when the events walk took it ahead of the builder.
    let best = 0;
    for (const n of this.checkpoints.keys()) if (n <= to && n > best) best = n;
    if (best > this.built) {
      this.builder.destroy();
      this.builder = new Y.Doc();
      Y.applyUpdate(this.builder, this.checkpoints.get(best)!);
      this.built = best;
    }
    const doc = this.builder;
    while (this.built < to) {
      const from = this.built;
      const end = Math.min(to, from + CHECKPOINT_EVERY);
      doc.transact(() => {
        for (let i = from; i < end; i++) Y.applyUpdate(doc, this.log[i]!.update);
      });
      this.built = end;
      if (end % CHECKPOINT_EVERY === 0) this.keep(end, Y.encodeStateAsUpdate(doc));
      await yieldToEventLoop();
    }
  }

  /** The walker moves one request at a time (it yields to the event loop while it walks). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** First index whose value is greater than `x` in a non-decreasing array (its length when none). */
function upperBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
