import type Database from 'better-sqlite3';
import type { LoggedUpdate, ReplayCheckpoint, UpdateLogSpan, UpdateLogStore } from './types.ts';
import type { Row } from './rows.ts';

/** A view of a blob better-sqlite3 handed out (each has its own memory): no copy. */
const bytesOf = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

const toLogged = (r: Row): LoggedUpdate => ({
  seq: r.seq as number,
  update: bytesOf(r.update_bytes as Buffer),
  sessionId: (r.session_id as string | null) ?? null,
  userId: (r.user_id as string | null) ?? null,
  time: r.created_at as number,
});

const toCheckpoint = (doc: string, r: Row): ReplayCheckpoint => ({
  doc,
  seq: r.seq as number,
  count: r.count as number,
  maxTime: r.max_time as number,
  state: new Uint8Array(r.state as Buffer),
});

/** The SQLite side of {@link UpdateLogStore}: the whole log, a range of it, and replay checkpoints. */
export class SqliteUpdateLogStore implements UpdateLogStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      all: db.prepare(
        'SELECT seq, update_bytes, session_id, user_id, created_at FROM doc_updates WHERE doc = ? ORDER BY seq',
      ),
      range: db.prepare(
        `SELECT seq, update_bytes, session_id, user_id, created_at FROM doc_updates
         WHERE doc = ? AND seq > ? AND created_at <= ? ORDER BY seq`,
      ),
      page: db.prepare(
        `SELECT seq, update_bytes, session_id, user_id, created_at FROM doc_updates
         WHERE doc = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
      ),
      span: db.prepare(
        `SELECT COUNT(*) AS n, MAX(seq) AS seq, MAX(created_at) AS max_time FROM (
           SELECT seq, created_at FROM doc_updates WHERE doc = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?)`,
      ),
      // A lookup of each document's last key, (doc, seq) descending: a GROUP BY over the documents
      // would read every row of their logs (and the rows hold the update bytes: WITHOUT ROWID).
      heads: db.prepare(
        `SELECT d.value AS doc, (SELECT MAX(seq) FROM doc_updates WHERE doc = d.value) AS seq FROM json_each(?) AS d`,
      ),
      checkpoints: db.prepare(
        'SELECT seq, count, max_time, state FROM replay_checkpoints WHERE doc = ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
      saveCheckpoint: db.prepare(
        `INSERT INTO replay_checkpoints (doc, seq, count, max_time, state)
         SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM doc_updates WHERE doc = ? AND seq = ?)
         ON CONFLICT (doc, seq) DO NOTHING`,
      ),
      checkpoint: db.prepare(
        `SELECT seq, count, max_time, state FROM replay_checkpoints WHERE doc = ? AND max_time <= ?
         ORDER BY seq DESC LIMIT 1`,
      ),
    };
  }

  async readUpdateLog(doc: string): Promise<LoggedUpdate[]> {
    return (this.stmts.all.all(doc) as Row[]).map(toLogged);
  }

  async readUpdateLogRange(doc: string, afterSeq: number, untilTime: number): Promise<LoggedUpdate[]> {
    return (this.stmts.range.all(doc, afterSeq, untilTime) as Row[]).map(toLogged);
  }

  async readUpdateLogPage(doc: string, afterSeq: number, limit: number, throughSeq?: number): Promise<LoggedUpdate[]> {
    const rows = this.stmts.page.all(doc, afterSeq, throughSeq ?? Number.MAX_SAFE_INTEGER, limit) as Row[];
    return rows.map(toLogged);
  }

  async readUpdateLogSpan(doc: string, afterSeq: number, throughSeq: number, limit: number): Promise<UpdateLogSpan> {
    const r = this.stmts.span.get(doc, afterSeq, throughSeq, limit) as Row;
    return {
      count: r.n as number,
      lastSeq: (r.seq as number | null) ?? null,
      maxTime: (r.max_time as number | null) ?? -Infinity,
    };
  }

  async readUpdateLogHeads(docs: readonly string[]): Promise<Map<string, number>> {
    const heads = new Map<string, number>();
    if (!docs.length) return heads;
    for (const r of this.stmts.heads.all(JSON.stringify(docs)) as Row[])
      heads.set(r.doc as string, (r.seq as number | null) ?? 0);
    return heads;
  }

  async saveReplayCheckpoint(cp: ReplayCheckpoint): Promise<void> {
    this.stmts.saveCheckpoint.run(cp.doc, cp.seq, cp.count, cp.maxTime, cp.state, cp.doc, cp.seq);
  }

  async readReplayCheckpoint(doc: string, at: number): Promise<ReplayCheckpoint | null> {
    const r = this.stmts.checkpoint.get(doc, at) as Row | undefined;
    return r ? toCheckpoint(doc, r) : null;
  }

  async readReplayCheckpoints(doc: string, afterSeq: number, limit: number): Promise<ReplayCheckpoint[]> {
    return (this.stmts.checkpoints.all(doc, afterSeq, limit) as Row[]).map((r) => toCheckpoint(doc, r));
  }
}
