import * as Y from 'yjs';
import { applyLoggedInSlices } from '../storage/log-checkpoints.ts';
import type { LoggedUpdate, ReplayCheckpoint } from '../storage/types.ts';

/** An update this instance appended to a document's log, as its room made it durable. */
export interface AppendedUpdate {
  seq: number;
  update: Uint8Array;
}

/** Where the next checkpoint of a warm log counts from: the newest stored one (or the log's start). */
export interface CheckpointBase {
  seq: number;
  count: number;
  maxTime: number;
}

/** The state a warm log had after the `every`-th update since its base: a checkpoint, once verified. */
export interface WarmBoundary {
  seq: number;
  state: Uint8Array;
}

/**
 * A document's update log applied in memory past its newest stored checkpoint, kept up to date
 * with the updates this instance appends (ReplayCheckpointWriter), so that a checkpoint falling
 * due is one state encoding instead of a page of the log read back and applied to a document
 * rebuilt from the checkpoint before. Built once from the stored checkpoint and the log after it.
 * It applies updates in seq order and only those after the last seq it holds; whether the log
 * holds nothing else up to a boundary (another writer's update) is for the writer to verify.
 */
export class WarmLog {
  private readonly doc = new Y.Doc({ gc: true });
  private constructor(
    /** The last seq applied. */
    public seq: number,
    /** Updates applied since the last boundary (or since the base). */
    private since: number,
    /** The newest checkpoint verified and stored; set by the writer as it stores them. */
    public base: CheckpointBase,
  ) {}

  /** The log after the stored checkpoint `from` (`tail`: every row after it, fewer than a checkpoint's worth). */
  static async build(from: ReplayCheckpoint | null, tail: readonly LoggedUpdate[]): Promise<WarmLog> {
    const base = from
      ? { seq: from.seq, count: from.count, maxTime: from.maxTime }
      : { seq: 0, count: 0, maxTime: -Infinity };
    const warm = new WarmLog(tail.at(-1)?.seq ?? base.seq, tail.length, base);
    if (from) Y.applyUpdate(warm.doc, from.state);
    await applyLoggedInSlices(warm.doc, tail, 0, tail.length);
    return warm;
  }

  /**
   * Apply the updates after the last seq held, in order, one transaction per run between
   * boundaries; the state at each `every`-th update since the last boundary is encoded then.
   */
  apply(updates: readonly AppendedUpdate[], every: number): WarmBoundary[] {
    const out: WarmBoundary[] = [];
    let i = 0;
    while (i < updates.length) {
      let boundary = false;
      this.doc.transact(() => {
        for (; i < updates.length && !boundary; i++) {
          const u = updates[i]!;
          if (u.seq <= this.seq) continue;
          Y.applyUpdate(this.doc, u.update);
          this.seq = u.seq;
          boundary = ++this.since === every;
        }
      });
      if (boundary) {
        this.since = 0;
        out.push({ seq: this.seq, state: Y.encodeStateAsUpdate(this.doc) });
      }
    }
    return out;
  }

  destroy(): void {
    this.doc.destroy();
  }
}
