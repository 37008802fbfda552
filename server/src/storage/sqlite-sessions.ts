import type Database from 'better-sqlite3';
import type { LoginSession, SessionEnd, SessionEndReason, SessionStore } from './types.ts';

type Row = Record<string, unknown>;

/**
 * The SQLite side of {@link SessionStore}. Ending sessions on account changes and writing the
 * feed of ended sessions are triggers (migration "login sessions" in sqlite-schema.ts), so they
 * hold for every write path, including the accounts file and SQL run by hand.
 */
export class SqliteSessionStore implements SessionStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      create: db.prepare(
        'INSERT INTO sessions (id, account_id, created_at, expires_at) VALUES (@id, @accountId, @createdAt, @expiresAt)',
      ),
      get: db.prepare('SELECT * FROM sessions WHERE id = ?'),
      renew: db.prepare(
        'UPDATE sessions SET expires_at = MAX(expires_at, ?) WHERE id = ? AND ended_at IS NULL AND expires_at > ?',
      ),
      end: db.prepare('UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL'),
      endsAfter: db.prepare('SELECT * FROM session_ends WHERE seq > ? ORDER BY seq LIMIT ?'),
      lastEnd: db.prepare('SELECT MAX(seq) FROM session_ends').pluck(),
      pruneSessions: db.prepare('DELETE FROM sessions WHERE expires_at < ?'),
      pruneEnds: db.prepare('DELETE FROM session_ends WHERE expires_at < ?'),
    };
  }

  async createSession(s: Omit<LoginSession, 'endedAt' | 'endReason'>): Promise<void> {
    this.stmts.create.run(s);
  }

  async getSession(id: string): Promise<LoginSession | null> {
    const r = this.stmts.get.get(id) as Row | undefined;
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
    return this.stmts.renew.run(expiresAt, id, now).changes > 0;
  }

  async endSession(id: string, reason: SessionEndReason, now: number): Promise<boolean> {
    return this.stmts.end.run(now, reason, id).changes > 0;
  }

  async sessionEndsAfter(seq: number, limit: number): Promise<SessionEnd[]> {
    // The feed is read four times a second and nearly always holds nothing new. Its last seq (no
    // parameter, one value: a step to the table's last row) answers that without the range query,
    // which SQLite prepares again after each bind (it plans by the bound value) and which builds a
    // row object per call: together a quarter of an idle server's CPU.
    if ((await this.lastSessionEndSeq()) <= seq) return [];
    return (this.stmts.endsAfter.all(seq, limit) as Row[]).map((r) => ({
      seq: r.seq as number,
      sessionId: r.session_id as string,
      accountId: r.account_id as string,
      reason: r.reason as SessionEndReason,
      expiresAt: r.expires_at as number,
    }));
  }

  async lastSessionEndSeq(): Promise<number> {
    return (this.stmts.lastEnd.get() as number | null) ?? 0;
  }

  async pruneSessions(before: number): Promise<void> {
    this.stmts.pruneSessions.run(before);
    this.stmts.pruneEnds.run(before);
  }
}
