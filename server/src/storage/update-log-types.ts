/** The update log read back (history, replay): types shared by both stores. */

/** One entry of a document's update log, with who wrote it and when. */
export interface LoggedUpdate {
  seq: number;
  update: Uint8Array;
  sessionId: string | null;
  /** null: the server's own write. */
  userId: string | null;
  /** When the update was stored (epoch ms, server clock). */
  time: number;
}

/** The full update log (history); snapshots never delete updates, so it always starts at seq 1. */
export interface UpdateLogStore {
  /** Every update of a document, oldest first (empty when the document was never written). */
  readUpdateLog(doc: string): Promise<LoggedUpdate[]>;
  /** The updates after `afterSeq` stored at or before `untilTime`, oldest first. */
  readUpdateLogRange(doc: string, afterSeq: number, untilTime: number): Promise<LoggedUpdate[]>;
  /**
   * At most `limit` updates after `afterSeq`, oldest first (to read a long log in pages); with
   * `throughSeq`, none after it (a log read up to a head read earlier: what is stored since is not read).
   */
  readUpdateLogPage(doc: string, afterSeq: number, limit: number, throughSeq?: number): Promise<LoggedUpdate[]>;
  /**
   * The first `limit` updates after `afterSeq` up to `throughSeq`, counted without their bytes:
   * how many, the last one's seq (null: none) and the latest time among them (-Infinity: none).
   */
  readUpdateLogSpan(doc: string, afterSeq: number, throughSeq: number, limit: number): Promise<UpdateLogSpan>;
  /**
   * Where each log of `docs` ends: its last seq (0: nothing stored), every document by one lookup
   * of its key (never a read of its log, however long), all in one statement, so the logs as they
   * stood at one moment. Whether a log grew past a seq read is `heads.get(doc) > seq`.
   */
  readUpdateLogHeads(docs: readonly string[]): Promise<Map<string, number>>;
  /** Store a replay checkpoint (kept as is when one at that seq exists). */
  saveReplayCheckpoint(cp: ReplayCheckpoint): Promise<void>;
  /** The replay checkpoint of `doc` with the most updates among those with `maxTime <= at`. */
  readReplayCheckpoint(doc: string, at: number): Promise<ReplayCheckpoint | null>;
  /** At most `limit` stored replay checkpoints of `doc` after `afterSeq`, in seq order. */
  readReplayCheckpoints(doc: string, afterSeq: number, limit: number): Promise<ReplayCheckpoint[]>;
}

/** A stretch of a document's update log, counted (UpdateLogStore.readUpdateLogSpan). */
export interface UpdateLogSpan {
  count: number;
  lastSeq: number | null;
  maxTime: number;
}

/** A document's encoded state after its first `count` updates (the last of them `seq`). */
export interface ReplayCheckpoint {
  doc: string;
  seq: number;
  count: number;
  /** The latest time among the updates covered. */
  maxTime: number;
  state: Uint8Array;
}
