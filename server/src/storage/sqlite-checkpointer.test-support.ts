/** Databases, checkpointers and held syncs for the checkpointer's tests. */
import {
  closeSync,
  copyFileSync,
  fsync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import { SqliteCheckpointer, type CheckpointerOptions } from './sqlite-checkpointer.ts';

const dirs: string[] = [];
/** Run after each test, last pushed first. */
export const closers: (() => Promise<void> | void)[] = [];
// Registered by each test file that imports this module (module scope runs at collection).
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A WAL database written by this connection, with auto-checkpoint off (as the storage runs it). */
export function open(): { db: Database.Database; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-checkpointer-'));
  dirs.push(dir);
  const file = join(dir, 'test.db');
  const db = new Database(file);
  // The tables are in the database file before the WAL starts.
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)');
  db.exec('CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter (n) VALUES (0)');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  closers.push(() => {
    if (db.open) db.close();
  });
  return { db, file };
}

/**
 * A checkpointer on `file`, stopped after the test; `db` is closed by its stop, as the storage's
 * connection is (after the checkpointer's own, before its descriptor of the database file).
 */
export function start(db: Database.Database, file: string, options: CheckpointerOptions): SqliteCheckpointer {
  const checkpointer = new SqliteCheckpointer(
    file,
    (err) => {
      throw err;
    },
    options,
  );
  closers.push(() => checkpointer.stop(() => db.close()));
  return checkpointer;
}

/** `sql`'s number in the database file itself, without its WAL: what checkpoints have copied so far. */
export function inDatabaseFile(file: string, sql: string): number {
  const copy = `${file}.copy-${Date.now()}`;
  copyFileSync(file, copy);
  const probe = new Database(copy, { readonly: true });
  try {
    return probe.prepare(sql).pluck().get() as number;
  } finally {
    probe.close();
    rmSync(copy, { force: true });
  }
}

/** Rows of `t` in the database file itself. */
export const checkpointedRows = (file: string) => inDatabaseFile(file, 'SELECT COUNT(*) FROM t');

export const insert = (db: Database.Database, n: number) => {
  const stmt = db.prepare('INSERT INTO t (v) VALUES (?)');
  for (let i = 0; i < n; i++) stmt.run(Buffer.alloc(2_000, i));
};

/** Poll `check`; a copy taken while a checkpoint was writing the file may be torn (an error): poll again. */
export async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  const holds = () => {
    try {
      return check();
    } catch {
      return false;
    }
  };
  while (!holds()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export type SyncedFile = 'wal' | 'database';

/** File syncs that the test can hold; the others are `fs.fsync`. Every one held is let go after the test. */
export function heldSyncs() {
  const held = new Set<SyncedFile>();
  const waiting = new Map<SyncedFile, () => void>();
  const syncs = {
    sync: (fd: number, file: SyncedFile): Promise<void> =>
      held.has(file)
        ? new Promise<void>((resolve) => waiting.set(file, resolve))
        : new Promise<void>((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve()))),
    hold: (file: SyncedFile) => void held.add(file),
    waiting: (file: SyncedFile) => waiting.has(file),
    release: (file: SyncedFile) => {
      held.delete(file);
      const resolve = waiting.get(file);
      waiting.delete(file);
      resolve?.();
    },
  };
  return syncs;
}

/** Started after `start`, so its closer runs first: no sync stays held while the checkpointer stops. */
export function releaseAfterTest(syncs: ReturnType<typeof heldSyncs>): void {
  closers.push(() => {
    syncs.release('wal');
    syncs.release('database');
  });
}

/** The WAL header's checkpoint sequence: SQLite raises it each time the WAL starts afresh. */
export function walSequence(file: string): number {
  const fd = openSync(`${file}-wal`, 'r');
  try {
    const header = Buffer.alloc(16);
    readSync(fd, header, 0, 16, 0);
    return header.readUInt32BE(12);
  } finally {
    closeSync(fd);
  }
}

/** Whether this process holds a POSIX lock on `file` (Linux's `/proc/locks`). */
export function lockedHere(file: string): boolean {
  const { ino } = statSync(file);
  return readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .some((line) => line.split(/\s+/)[4] === String(process.pid) && line.includes(`:${ino} `));
}
