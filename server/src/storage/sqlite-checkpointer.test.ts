import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { SqliteCheckpointer } from './sqlite-checkpointer.ts';

const dirs: string[] = [];
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A WAL database written by this connection, with auto-checkpoint off (as the storage runs it). */
function open(): { db: Database.Database; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-checkpointer-'));
  dirs.push(dir);
  const file = join(dir, 'test.db');
  const db = new Database(file);
  // The table is in the database file before the WAL starts.
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  closers.push(() => {
    db.close();
  });
  return { db, file };
}

/** Rows of `t` in the database file itself, without its WAL: what checkpoints have copied so far. */
function checkpointedRows(file: string): number {
  const copy = `${file}.copy-${Date.now()}`;
  copyFileSync(file, copy);
  const probe = new Database(copy, { readonly: true });
  try {
    return (probe.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n;
  } finally {
    probe.close();
  }
}

const insert = (db: Database.Database, n: number) => {
  const stmt = db.prepare('INSERT INTO t (v) VALUES (?)');
  for (let i = 0; i < n; i++) stmt.run(Buffer.alloc(2_000, i));
};

/** Poll `check`; a copy taken while a checkpoint was writing the file may be torn (an error): poll again. */
async function until(check: () => boolean, what: string): Promise<void> {
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

it('copies the commits of another connection into the database file, and again after each later write', async () => {
  const { db, file } = open();
  insert(db, 50);
  expect(checkpointedRows(file)).toBe(0);
  const checkpointer = new SqliteCheckpointer(
    file,
    (err) => {
      throw err;
    },
    { everyMs: 20, syncMs: 20 },
  );
  closers.push(() => checkpointer.stop());

  await until(() => checkpointedRows(file) === 50, 'the first checkpoint');
  // The worker reports the WAL it copied (after the copy, by message).
  await until(() => checkpointer.stats.largestLog > 0, 'the report of the first checkpoint');

  // After a complete checkpoint the worker skips its ticks until another connection commits
  // (data_version): later commits must still reach the database file.
  await new Promise((r) => setTimeout(r, 100));
  insert(db, 200);
  await until(() => checkpointedRows(file) === 250, 'the second checkpoint');
  insert(db, 1);
  await until(() => checkpointedRows(file) === 251, 'the third checkpoint');
  expect(checkpointer.stats.restarts).toBe(0);
});

it('between checkpoints syncs the WAL once per period of commits, and copies it only when its period is up', async () => {
  const { db, file } = open();
  const checkpointer = new SqliteCheckpointer(
    file,
    (err) => {
      throw err;
    },
    { everyMs: 2_000, syncMs: 20 },
  );
  closers.push(() => checkpointer.stop());
  insert(db, 20);
  await until(() => checkpointer.runs.syncs >= 1, 'a sync of the WAL');
  // Synced, not copied: the database file has no row yet, and no checkpoint ran.
  expect(checkpointedRows(file)).toBe(0);
  expect(checkpointer.runs.checkpoints).toBe(0);
  // No commit since: no more syncs (once the worker has synced the last of the 20 commits, which
  // it may have met half-written at its first sync).
  await new Promise((r) => setTimeout(r, 100));
  const syncs = checkpointer.runs.syncs;
  await new Promise((r) => setTimeout(r, 100));
  expect(checkpointer.runs.syncs).toBe(syncs);
  insert(db, 5);
  await until(() => checkpointer.runs.syncs > syncs, 'a sync of the later commits');
  await until(() => checkpointedRows(file) === 25, 'the checkpoint once its period is up');
  // The worker counts a checkpoint once its pragma returns, which may be a moment after the rows
  // are in the file.
  await until(() => checkpointer.runs.checkpoints >= 1, 'the count of that checkpoint');
});

/** A checkpointer that watches `db`'s commits every 20 ms and retires after `idleMs`; copies only when it retires. */
function watching(db: Database.Database, file: string, idleMs: number): SqliteCheckpointer {
  const totalChanges = db.prepare('SELECT total_changes()').pluck();
  const checkpointer = new SqliteCheckpointer(
    file,
    (err) => {
      throw err;
    },
    { everyMs: 60_000, syncMs: 20, idleMs, changes: () => totalChanges.get() as number },
  );
  closers.push(() => checkpointer.stop());
  return checkpointer;
}

it('retires its worker once the database is quiet, after a last checkpoint, and starts one at the next commit', async () => {
  const { db, file } = open();
  const checkpointer = watching(db, file, 1_000);
  insert(db, 30);
  expect(checkpointer.running).toBe(true);
  await until(() => !checkpointer.running, 'the worker to retire');
  // Its checkpoint period (60 s) never came: the rows reached the database file by its last checkpoint.
  await until(() => checkpointedRows(file) === 30, 'the last checkpoint of the retired worker');
  expect(checkpointer.stats.workersStarted).toBe(1);

  insert(db, 3);
  await until(() => checkpointer.running, 'a worker for the new commit');
  expect(checkpointer.stats.workersStarted).toBe(2);
  const syncs = checkpointer.runs.syncs;
  insert(db, 1);
  await until(() => checkpointer.runs.syncs > syncs, 'the new worker syncing the WAL');
  await until(() => !checkpointer.running, 'the second worker to retire');
  await until(() => checkpointedRows(file) === 34, 'every row in the database file');
});

it('keeps its worker while documents are in use, without commits, and retires it once they are not', async () => {
  const { db, file } = open();
  const checkpointer = watching(db, file, 200);
  let inUse = true;
  checkpointer.keepWhile(() => inUse);
  insert(db, 5);
  // Ten idle periods without a commit: the worker stays, and the first one is all that started.
  await new Promise((r) => setTimeout(r, 2_000));
  expect(checkpointer.running).toBe(true);
  expect(checkpointer.stats.workersStarted).toBe(1);
  inUse = false;
  await until(() => !checkpointer.running, 'the worker to retire once nothing is in use');
  await until(() => checkpointedRows(file) === 5, 'the last checkpoint of the retired worker');
  // In use again (a document opened): a worker starts before any commit.
  inUse = true;
  await until(() => checkpointer.running, 'a worker for the open documents');
  expect(checkpointer.stats.workersStarted).toBe(2);
});
