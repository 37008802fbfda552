import type pg from 'pg';
import type { LoginSession, SessionEnd, SessionEndReason, SessionStore } from './types.ts';
import { pgQuery } from './pg-pool.ts';

/**
 * The PostgreSQL side of {@link SessionStore}. As on SQLite, ending sessions on account changes
 * and writing the feed of ended sessions are triggers (pg-schema.ts), so they hold for every
 * write path; the feed's trigger serialises its inserts so feed order is commit order.
 */
export class PgSessionStore implements SessionStore {
  constructor(private readonly pool: pg.Pool) {}

  async createSession(s: Omit<LoginSession, 'endedAt' | 'endReason'>): Promise<void> {
    await pgQuery(this.pool, 'INSERT INTO sessions (id, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
      s.id,
      s.accountId,
      s.createdAt,
      s.expiresAt,
    ]);
  }

  async getSession(id: string): Promise<LoginSession | null> {
    const r = (await pgQuery(this.pool, 'SELECT * FROM sessions WHERE id = $1', [id])).rows[0];
    return r
      ? {
          id: r.id as string,
          accountId: r.account_id as string,
          createdAt: r.created_at as number,
          expiresAt: r.expires_at as number,
          endedAt: (r.ended_at as number | null) ?? null,
          endReason: (r.end_reason as SessionEndReason | null) ?? null,
        }
      : null;
  }

  async renewSession(id: string, expiresAt: number, now: number): Promise<boolean> {
    const { rowCount } = await pgQuery(
      this.pool,
      'UPDATE sessions SET expires_at = GREATEST(expires_at, $1) WHERE id = $2 AND ended_at IS NULL AND expires_at > $3',
      [expiresAt, id, now],
    );
    return (rowCount ?? 0) > 0;
  }

  async endSession(id: string, reason: SessionEndReason, now: number): Promise<boolean> {
    const { rowCount } = await pgQuery(
      this.pool,
      'UPDATE sessions SET ended_at = $1, end_reason = $2 WHERE id = $3 AND ended_at IS NULL',
      [now, reason, id],
    );
    return (rowCount ?? 0) > 0;
  }

  async sessionEndsAfter(seq: number, limit: number): Promise<SessionEnd[]> {
    const { rows } = await pgQuery(this.pool, 'SELECT * FROM session_ends WHERE seq > $1 ORDER BY seq LIMIT $2', [
      seq,
      limit,
    ]);
    return rows.map((r) => ({
      seq: r.seq as number,
      sessionId: r.session_id as string,
      accountId: r.account_id as string,
      reason: r.reason as SessionEndReason,
      expiresAt: r.expires_at as number,
    }));
  }

  async lastSessionEndSeq(): Promise<number> {
    return ((await pgQuery(this.pool, 'SELECT MAX(seq) AS seq FROM session_ends')).rows[0]?.seq as number | null) ?? 0;
  }

  async pruneSessions(before: number): Promise<void> {
    await pgQuery(this.pool, 'DELETE FROM sessions WHERE expires_at < $1', [before]);
    await pgQuery(this.pool, 'DELETE FROM session_ends WHERE expires_at < $1', [before]);
  }
}
