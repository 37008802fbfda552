import type pg from 'pg';

/** A PostgreSQL session advisory lock, held on a connection of the pool checked out for it. */
export interface PgLease {
  /** Its connection broke: PostgreSQL let the lock go, another instance may hold it now. */
  readonly lost: boolean;
  /** Called once if the connection breaks while the lock is held. */
  onLost(fn: () => void): void;
  /** Unlock and hand the connection back; never throws. */
  release(): Promise<void>;
}

/** The lock of `name` on the store's schema: stores on other schemas of the database have their own. */
const KEY = `hashtext($1), hashtext(current_schema())`;

/**
 * The lock `jointmap:<name>` among the instances sharing a PostgreSQL store: with `wait`, once it
 * is free; else null at once when another session holds it. A session lock, as the holder runs
 * for long (a transaction-level one would end with its transaction); the server's process ending,
 * however it ends, ends the session and so the lock.
 */
export async function pgLease(pool: pg.Pool, name: string, wait: boolean): Promise<PgLease | null> {
  const client = await pool.connect();
  let lost = false;
  let lostFn: (() => void) | null = null;
  // A checked-out client whose connection drops emits 'error'; with no listener that would end the process.
  const onError = () => {
    if (lost) return;
    lost = true;
    lostFn?.();
  };
  client.on('error', onError);
  const done = (broken: boolean) => {
    client.removeListener('error', onError);
    // A broken connection is destroyed, not handed out again (its session, and lock, end with it).
    client.release(broken ? true : undefined);
  };
  try {
    const sql = wait ? `SELECT pg_advisory_lock(${KEY}), true AS got` : `SELECT pg_try_advisory_lock(${KEY}) AS got`;
    const { rows } = await client.query<{ got: boolean }>(sql, [`jointmap:${name}`]);
    if (rows[0]?.got !== true) {
      done(false);
      return null;
    }
  } catch (err) {
    done(true);
    throw err;
  }
  let released = false;
  return {
    get lost() {
      return lost;
    },
    onLost(fn) {
      lostFn = fn;
      if (lost) fn();
    },
    async release() {
      if (released) return;
      released = true;
      if (lost) return done(true);
      try {
        await client.query(`SELECT pg_advisory_unlock(${KEY})`, [`jointmap:${name}`]);
        done(false);
      } catch {
        done(true);
      }
    },
  };
}
