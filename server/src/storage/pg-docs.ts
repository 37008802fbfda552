import type pg from 'pg';
import * as Y from 'yjs';
import type { DocStore, DocUpdateWrite, LoggedUpdate, StoredDoc, UpdateAuthor, UpdateLogStore } from './types.ts';
import type { LoadDocOptions, ReplayCheckpoint, UpdateLogSpan } from './types.ts';
import { pgQuery, withTx, type PgRow, type Queryable } from './pg-pool.ts';

/**
 * Append one update with the next sequence number of its document, in one statement.
 *
 * The number comes from the document's row in `doc_heads`: the upsert locks that row until the
 * statement's transaction commits, so appends to one document are numbered and committed one at
 * a time, whichever instance makes them. Numbers are dense (1, 2, 3 … like SQLite's) and a reader
 * never sees seq n+1 committed while n is still in flight: an instance that loads "everything
 * after n" cannot skip an update (with a plain sequence, a later value can commit first). The
 * `MAX(seq)` term lets a document whose log was written without a head (a restore, an import)
 * continue after its last update.
 */
const APPEND_SQL = `
  WITH head AS (
    INSERT INTO doc_heads (doc, last_seq)
    SELECT $1, COALESCE(MAX(seq), 0) + 1 FROM doc_updates WHERE doc = $1
    ON CONFLICT (doc) DO UPDATE SET last_seq = GREATEST(doc_heads.last_seq, EXCLUDED.last_seq - 1) + 1
    RETURNING last_seq
  )
  INSERT INTO doc_updates (doc, seq, update_bytes, session_id, user_id, created_at)
  SELECT $1, last_seq, $2, $3, $4, $5 FROM head
  RETURNING seq`;

/** Insert the next update of `doc` on `db` (the pool, or a client inside a larger transaction). */
export async function insertDocUpdate(db: Queryable, doc: string, update: Uint8Array, author: UpdateAuthor) {
  const { rows } = await pgQuery(db, APPEND_SQL, [doc, update, author.sessionId, author.userId, Date.now()]);
  return rows[0]!.seq as number;
}

/**
 * What this instance knows of a document its room loaded (see {@link PgDocStore.saveSnapshot}).
 * Only the room's load starts it: the room's state is the one later snapshotted, so `through`
 * must be where that state was loaded, never where a later export or report read the log.
 */
interface Known {
  /** The room's state was loaded up to here. */
  through: number;
  /** Updates appended by this instance after `through`. */
  own: Set<number>;
  /** Another instance appended after `through`: the caller's state may lack its updates. */
  shared: boolean;
}

/** The PostgreSQL side of {@link DocStore} and {@link UpdateLogStore}. */
export class PgDocStore implements DocStore, UpdateLogStore {
  private readonly known = new Map<string, Known>();

  constructor(private readonly pool: pg.Pool) {}

  /**
   * The snapshot and the updates after it. With `room`, tracking of the document starts (again)
   * here; any other read leaves it alone, as what it read is not the state the room snapshots.
   */
  async loadDoc(doc: string, options: LoadDocOptions = {}): Promise<StoredDoc> {
    // One statement, one MVCC snapshot: the snapshot row and the updates after it agree.
    const { rows } = await pgQuery(
      this.pool,
      `WITH s AS (SELECT seq, state FROM doc_snapshots WHERE doc = $1)
       SELECT 0 AS part, seq, state AS bytes FROM s
       UNION ALL
       SELECT 1, u.seq, u.update_bytes FROM doc_updates u
       WHERE u.doc = $1 AND u.seq > COALESCE((SELECT seq FROM s), 0)
       ORDER BY part, seq`,
      [doc],
    );
    const snap = rows[0]?.part === 0 ? rows[0] : null;
    const updates = snap ? rows.slice(1) : rows;
    const snapshotSeq = (snap?.seq as number | undefined) ?? 0;
    const lastSeq = updates.length ? (updates[updates.length - 1]!.seq as number) : snapshotSeq;
    if (options.room) this.known.set(doc, { through: lastSeq, own: new Set(), shared: false });
    return {
      snapshot: snap ? new Uint8Array(snap.bytes as Buffer) : null,
      snapshotSeq,
      updates: updates.map((r) => new Uint8Array(r.bytes as Buffer)),
      lastSeq,
    };
  }

  async appendUpdate(doc: string, update: Uint8Array, author: UpdateAuthor): Promise<number> {
    const seq = await insertDocUpdate(this.pool, doc, update, author);
    this.appended(doc, seq);
    return seq;
  }

  /**
   * Group commit: the updates of `batch` in one transaction, numbered as one by one (each locks
   * its document's head row until the commit, so numbers stay dense across instances).
   */
  async appendUpdates(batch: readonly DocUpdateWrite[]): Promise<number[]> {
    // Documents in name order (each one's updates in batch order): two batches over the same
    // documents lock their head rows in the same order and cannot deadlock.
    const order = batch
      .map((_, i) => i)
      .sort((x, y) => (batch[x]!.doc < batch[y]!.doc ? -1 : batch[x]!.doc > batch[y]!.doc ? 1 : x - y));
    const seqs = await withTx(this.pool, async (client) => {
      const out: number[] = new Array<number>(batch.length);
      for (const i of order) {
        const { doc, update, author } = batch[i]!;
        out[i] = await insertDocUpdate(client, doc, update, author);
      }
      return out;
    });
    batch.forEach(({ doc }, i) => this.appended(doc, seqs[i]!));
    return seqs;
  }

  /** Note an update this instance committed (also from a larger transaction). */
  appended(doc: string, seq: number): void {
    const known = this.known.get(doc);
    // Once shared, every snapshot is rebuilt from the store: its own appends no longer matter.
    if (known && !known.shared) known.own.add(seq);
  }

  /** Forget what is known of `docs` (their logs were purged or replaced). */
  forget(docs: readonly string[]): void {
    for (const d of docs) this.known.delete(d);
  }

  async readUpdateLog(doc: string): Promise<LoggedUpdate[]> {
    const { rows } = await pgQuery(
      this.pool,
      'SELECT seq, update_bytes, session_id, user_id, created_at FROM doc_updates WHERE doc = $1 ORDER BY seq',
      [doc],
    );
    return rows.map((r: PgRow) => ({
      seq: r.seq as number,
      update: new Uint8Array(r.update_bytes as Buffer),
      sessionId: (r.session_id as string | null) ?? null,
      userId: (r.user_id as string | null) ?? null,
      time: r.created_at as number,
    }));
  }

  async readUpdateLogRange(doc: string, afterSeq: number, untilTime: number): Promise<LoggedUpdate[]> {
    const { rows } = await pgQuery(
      this.pool,
      `SELECT seq, update_bytes, session_id, user_id, created_at FROM doc_updates
       WHERE doc = $1 AND seq > $2 AND created_at <= $3 ORDER BY seq`,
      [doc, afterSeq, untilTime],
    );
    return rows.map((r: PgRow) => ({
      seq: Number(r.seq),
      update: new Uint8Array(r.update_bytes as Buffer),
      sessionId: (r.session_id as string | null) ?? null,
      userId: (r.user_id as string | null) ?? null,
      time: Number(r.created_at),
    }));
  }

  async saveReplayCheckpoint(cp: ReplayCheckpoint): Promise<void> {
    await pgQuery(
      this.pool,
      `INSERT INTO replay_checkpoints (doc, seq, count, max_time, state)
       SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM doc_updates WHERE doc = $1 AND seq = $2 FOR KEY SHARE)
       ON CONFLICT (doc, seq) DO NOTHING`,
      [cp.doc, cp.seq, cp.count, cp.maxTime, Buffer.from(cp.state)],
    );
  }

  async readReplayCheckpoint(doc: string, at: number): Promise<ReplayCheckpoint | null> {
    const { rows } = await pgQuery(
      this.pool,
      `SELECT seq, count, max_time, state FROM replay_checkpoints WHERE doc = $1 AND max_time <= $2
       ORDER BY seq DESC LIMIT 1`,
      [doc, at],
    );
    const r = rows[0] as PgRow | undefined;
    return r ? pgCheckpoint(doc, r) : null;
  }

  async readReplayCheckpoints(doc: string, afterSeq: number, limit: number): Promise<ReplayCheckpoint[]> {
    const { rows } = await pgQuery(
      this.pool,
      'SELECT seq, count, max_time, state FROM replay_checkpoints WHERE doc = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      [doc, afterSeq, limit],
    );
    return rows.map((r: PgRow) => pgCheckpoint(doc, r));
  }

  async readUpdateLogPage(doc: string, afterSeq: number, limit: number, throughSeq?: number): Promise<LoggedUpdate[]> {
    const { rows } = await pgQuery(
      this.pool,
      `SELECT seq, update_bytes, session_id, user_id, created_at FROM doc_updates
       WHERE doc = $1 AND seq > $2 AND seq <= $4 ORDER BY seq LIMIT $3`,
      [doc, afterSeq, limit, throughSeq ?? Number.MAX_SAFE_INTEGER],
    );
    return rows.map(pgLogged);
  }

  async readUpdateLogSpan(doc: string, afterSeq: number, throughSeq: number, limit: number): Promise<UpdateLogSpan> {
    const { rows } = await pgQuery(
      this.pool,
      `SELECT COUNT(*) AS n, MAX(seq) AS seq, MAX(created_at) AS max_time FROM (
         SELECT seq, created_at FROM doc_updates WHERE doc = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4) AS span`,
      [doc, afterSeq, throughSeq, limit],
    );
    const r = rows[0] as PgRow;
    return {
      count: Number(r.n),
      lastSeq: r.seq === null ? null : Number(r.seq),
      maxTime: r.max_time === null ? -Infinity : Number(r.max_time),
    };
  }

  async readUpdateLogHeads(docs: readonly string[]): Promise<Map<string, number>> {
    const heads = new Map<string, number>();
    if (!docs.length) return heads;
    // Each MAX is one backward step of the (doc, seq) key. Not `doc_heads`: a restored or imported
    // log has no head row, and a purge deletes it before the log.
    const { rows } = await pgQuery(
      this.pool,
      `SELECT d.doc, (SELECT MAX(u.seq) FROM doc_updates u WHERE u.doc = d.doc) AS seq
       FROM unnest($1::text[]) AS d(doc)`,
      [docs],
    );
    for (const r of rows as PgRow[]) heads.set(r.doc as string, r.seq === null ? 0 : Number(r.seq));
    return heads;
  }

  /**
   * Store `state` as the snapshot covering every update up to `seq`, unless a snapshot at or past
   * `seq` is already stored. Snapshots of one document are written one at a time across
   * instances (an advisory lock per document for the transaction), and the stored one only ever
   * moves forward.
   *
   * The snapshot must contain every update up to `seq`, but the caller's state holds only what
   * its room loaded, appended and was relayed. While this instance alone appended since its room
   * loaded the document (one instance: always), that is everything, and `state` is written as
   * given. Once another instance appended too, or when no room loaded the document here, the
   * snapshot is rebuilt as the merge of `state`, the stored snapshot and the stored updates after
   * it up to `seq` (Yjs updates are idempotent), so an update the relay had not yet delivered is
   * never dropped from the log's compacted form.
   */
  async saveSnapshot(doc: string, seq: number, state: Uint8Array): Promise<void> {
    const known = this.known.get(doc);
    await withTx(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', ['jointmap:snapshot', doc]);
      // A snapshot covers only what the log holds: none once the document was purged, so a room
      // still loaded on another instance never writes the purged state back. The row lock makes a
      // purge (which deletes the head first) wait for this transaction, then delete what it wrote.
      const head = await client.query<PgRow>('SELECT last_seq FROM doc_heads WHERE doc = $1 FOR SHARE', [doc]);
      if (((head.rows[0]?.last_seq as number | undefined) ?? 0) < seq) return;
      const prev = await client.query<PgRow>('SELECT seq FROM doc_snapshots WHERE doc = $1', [doc]);
      const prevSeq = (prev.rows[0]?.seq as number | undefined) ?? 0;
      if (prevSeq >= seq) return;
      let shared = known?.shared ?? true;
      if (!shared && known) {
        const { rows } = await client.query<PgRow>(
          'SELECT seq FROM doc_updates WHERE doc = $1 AND seq > $2 AND seq <= $3',
          [doc, known.through, seq],
        );
        shared = rows.some((r) => !known.own.has(r.seq as number));
        if (shared) {
          known.shared = true;
          known.own.clear();
        }
      }
      let stored = state;
      if (shared) {
        const { rows } = await client.query<PgRow>(
          'SELECT update_bytes FROM doc_updates WHERE doc = $1 AND seq > $2 AND seq <= $3 ORDER BY seq',
          [doc, prevSeq, seq],
        );
        const parts = [state, ...rows.map((r) => new Uint8Array(r.update_bytes as Buffer))];
        if (prevSeq > 0) {
          const snap = await client.query<PgRow>('SELECT state FROM doc_snapshots WHERE doc = $1', [doc]);
          parts.push(new Uint8Array(snap.rows[0]!.state as Buffer));
        }
        stored = Y.mergeUpdates(parts);
      }
      await client.query(
        `INSERT INTO doc_snapshots (doc, seq, state, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (doc) DO UPDATE SET seq = EXCLUDED.seq, state = EXCLUDED.state, created_at = EXCLUDED.created_at
         WHERE EXCLUDED.seq > doc_snapshots.seq`,
        [doc, seq, stored, Date.now()],
      );
      if (known && !shared) {
        // Everything up to seq was this instance's own: the check can start after it next time.
        known.through = Math.max(known.through, seq);
        for (const s of known.own) if (s <= known.through) known.own.delete(s);
      }
    });
  }
}

const pgCheckpoint = (doc: string, r: PgRow): ReplayCheckpoint => ({
  doc,
  seq: Number(r.seq),
  count: Number(r.count),
  maxTime: Number(r.max_time),
  state: new Uint8Array(r.state as Buffer),
});

const pgLogged = (r: PgRow): LoggedUpdate => ({
  seq: Number(r.seq),
  update: new Uint8Array(r.update_bytes as Buffer),
  sessionId: (r.session_id as string | null) ?? null,
  userId: (r.user_id as string | null) ?? null,
  time: Number(r.created_at),
});
