import pg from 'pg';
import { AppError } from '@jointmap/shared';

/** A row as node-postgres returns it (int8 already a number: see {@link createPgPool}). */
export type PgRow = Record<string, unknown>;

/** What a query runs on: the pool (one implicit transaction per statement) or a client inside one. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

const INT8_OID = 20;

/** How long the app waits for a statement's answer, unless `?query_timeout=<ms>` says otherwise. */
const QUERY_TIMEOUT_MS = 10_000;
/** A transaction left open this long without a statement (a stuck caller) is ended by the server. */
const IDLE_IN_TRANSACTION_MS = 15_000;

/** The server-side limits of a connection, as node-postgres sends them at connect. */
export interface PgTimeouts {
  query_timeout: number;
  statement_timeout: number;
  lock_timeout: number;
  idle_in_transaction_session_timeout: number;
}

/**
 * The timeouts of a pool on `connectionString`. `query_timeout` only stops the app waiting: the
 * statement would go on in PostgreSQL, wait out a row lock and commit a write the app had already
 * reported failed. So PostgreSQL itself cancels a statement (and a lock wait) a little before the
 * app gives up: when the app reports a failure, the statement is rolled back, not still pending.
 * A `statement_timeout`, `lock_timeout` or `idle_in_transaction_session_timeout` parameter in the
 * connection string overrides the value derived here (node-postgres lets the string win).
 */
export function pgTimeouts(connectionString: string): PgTimeouts {
  let fromUrl: string | null = null;
  try {
    fromUrl = new URL(connectionString).searchParams.get('query_timeout');
  } catch {
    // Not a URL (node-postgres takes a few other forms): the default applies.
  }
  const parsed = fromUrl === null ? NaN : Number(fromUrl);
  const query = Number.isFinite(parsed) && parsed >= 0 ? parsed : QUERY_TIMEOUT_MS;
  // 0 (no timeout) stays 0: node-postgres then sends nothing and the server's setting applies.
  const server = Math.floor(query * 0.9);
  return {
    query_timeout: query,
    statement_timeout: server,
    lock_timeout: server,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
  };
}

/**
 * A pool for `connectionString`. Every epoch-ms time and sequence number is an `int8`; they fit a
 * JS number exactly (2^53), so int8 is parsed to a number on this pool only (no global type
 * parser: several pools with other needs may share the process).
 */
export function createPgPool(connectionString: string, onIdleError: (err: Error) => void): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    // A database that is down must refuse writes quickly (STORAGE_UNAVAILABLE), never hang them.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // A connection whose peer vanished (a network cut, not a clean close) is noticed, not waited on.
    keepAlive: true,
    // A statement on a connection whose link is cut gets no answer and no error (TCP waits for
    // minutes): it fails after this long (STORAGE_UNAVAILABLE) instead of hanging the write.
    // `?query_timeout=<ms>` in DATABASE_URL overrides it. The server cancels the statement
    // shortly before (see pgTimeouts), so a write reported failed is never committed later.
    ...pgTimeouts(connectionString),
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID && format !== 'binary'
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection emits here; unhandled it would end the process.
  pool.on('error', onIdleError);
  return pool;
}

/** SQLSTATE classes and socket errors that mean "the database is not reachable right now". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EPIPE',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  // The server's own timeouts (pgTimeouts): the statement was rolled back, the database is busy.
  '57014', // query_canceled (statement_timeout)
  '55P03', // lock_not_available (lock_timeout)
  '25P03', // idle_in_transaction_session_timeout
]);

/** Whether a node-postgres error means the database cannot be reached (rather than a bad query). */
export function isPgUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (UNAVAILABLE_CODES.has(code) || code.startsWith('08')) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Cannot use a pool after calling end/i.test(
    message,
  );
}

/**
 * The coded error a failed storage call raises. A full disk (SQLSTATE 53100) keeps the driver's
 * error, whose code `isStorageFull` (storage-full.ts) recognises, exactly as SQLite's
 * `SQLITE_FULL` is passed on; an unreachable database becomes `STORAGE_UNAVAILABLE`; anything
 * else (a bug, a constraint) is passed on unchanged.
 */
export function mapPgError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  if (isPgUnavailable(err)) {
    const mapped = new AppError('STORAGE_UNAVAILABLE', `PostgreSQL unavailable: ${(err as Error).message}`);
    (mapped as { cause?: unknown }).cause = err;
    return mapped;
  }
  return err;
}

/** One statement on `db`, errors mapped by {@link mapPgError}. */
export async function pgQuery(db: Queryable, text: string, values: unknown[] = []): Promise<pg.QueryResult<PgRow>> {
  try {
    return await db.query<PgRow>(text, values);
  } catch (err) {
    throw mapPgError(err);
  }
}

/**
 * Run `fn` in one transaction on a client of `pool`: committed when it resolves, rolled back when
 * it throws (all or nothing). Durable when the promise resolves (`synchronous_commit` on).
 */
export async function withTx<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw mapPgError(err);
  }
  let broken = false;
  // A checked-out client whose connection drops emits 'error' besides failing its query; with no
  // listener that would end the process.
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true;
    }
    throw mapPgError(err);
  } finally {
    // A client whose connection failed mid-transaction is destroyed, not handed out again.
    client.removeListener('error', onError);
    client.release(broken ? true : undefined);
  }
}
