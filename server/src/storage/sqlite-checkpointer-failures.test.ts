import { existsSync, fsync } from 'node:fs';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { SqliteCheckpointer, type CheckpointerOptions } from './sqlite-checkpointer.ts';
import {
  checkpointedRows,
  closers,
  heldSyncs,
  insert,
  open,
  until,
  walSequence,
} from './sqlite-checkpointer.test-support.ts';

const fsyncFile = (fd: number): Promise<void> =>
  new Promise<void>((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));

/** A checkpointer whose failures are collected, stopped after the test with `db`. */
function watched(db: Database.Database, file: string, options: CheckpointerOptions) {
  const failures: unknown[] = [];
  const checkpointer = new SqliteCheckpointer(file, (err) => failures.push(err), options);
  closers.push(() => checkpointer.stop(() => (db.open ? db.close() : undefined)));
  return { checkpointer, failures };
}

/** Rows of `t` once the database is opened again, its WAL replayed by SQLite's recovery. */
function rowsAfterRecovery(file: string): number {
  const again = new Database(file);
  try {
    return again.prepare('SELECT COUNT(*) FROM t').pluck().get() as number;
  } finally {
    again.close();
  }
}

/**
 * A checkpointer whose syncs of `failing` fail (EIO), the others real, after 20 rows were committed
 * and the first failure reported.
 */
async function failedOnce(db: Database.Database, file: string, failing: 'wal' | 'database') {
  const watch = watched(db, file, {
    everyMs: 20,
    syncMs: 20,
    sync: (fd, which) => (which === failing ? Promise.reject(new Error('EIO')) : fsyncFile(fd)),
  });
  insert(db, 20);
  await until(() => watch.failures.length === 1, 'the failure to be reported');
  return watch;
}

it('keeps the WAL from starting afresh, and says so once, should the database file fail to sync', async () => {
  const { db, file } = open();
  const { checkpointer, failures } = await failedOnce(db, file, 'database');
  // The copy may not be on disk: the WAL keeps the commits it copied.
  const sequence = walSequence(file);
  insert(db, 1);
  expect(walSequence(file)).toBe(sequence);
  expect(checkpointer.runs.checkpoints).toBe(1);
  expect(failures).toHaveLength(1);
});

it('still syncs the WAL every period of commits after the database file failed to sync', async () => {
  const { db, file } = open();
  const { checkpointer } = await failedOnce(db, file, 'database');
  const syncs = checkpointer.runs.syncs;
  insert(db, 5);
  await until(() => checkpointer.runs.syncs > syncs, 'a sync of the commits made after the failure');
  insert(db, 5);
  await until(() => checkpointer.runs.syncs > syncs + 1, 'a sync of the next ones');
  // No more rounds: the failed copy was the only one.
  expect(checkpointer.runs.checkpoints).toBe(1);
});

it('leaves the WAL on disk at stop after the database file failed to sync, and a new start recovers every row', async () => {
  const { db, file } = open();
  const { checkpointer } = await failedOnce(db, file, 'database');
  // Nothing committed since the failed copy: the last connection's close would copy nothing, sync
  // nothing, and delete the WAL.
  await checkpointer.stop(() => db.close());
  expect(existsSync(`${file}-wal`)).toBe(true);
  expect(rowsAfterRecovery(file)).toBe(20);
});

it('reports a WAL that fails to sync, and copies nothing it could not sync', async () => {
  const { db, file } = open();
  const { checkpointer, failures } = await failedOnce(db, file, 'wal');
  insert(db, 5);
  await new Promise((r) => setTimeout(r, 100));
  expect(failures).toHaveLength(1);
  expect(checkpointer.runs.checkpoints).toBe(0);
  expect(checkpointedRows(file)).toBe(0);
});

it('stops within its wait when a sync never returns, and leaves the WAL for the next start', async () => {
  const { db, file } = open();
  const syncs = heldSyncs();
  const { checkpointer, failures } = watched(db, file, { everyMs: 20, syncMs: 20, stopWaitMs: 200, sync: syncs.sync });
  syncs.hold('database');
  insert(db, 20);
  await until(() => syncs.waiting('database'), 'the round to sync the database file');
  await checkpointer.stop(() => db.close());
  expect(failures).toHaveLength(1);
  expect(existsSync(`${file}-wal`)).toBe(true);
  expect(rowsAfterRecovery(file)).toBe(20);
  syncs.release('database');
});

it('holds the writers behind the gate at most once a checkpoint period while another reader keeps an old snapshot', async () => {
  const { db, file } = open();
  const { checkpointer } = watched(db, file, { everyMs: 200, syncMs: 10, restartFrames: 16 });
  // A reader that keeps its snapshot (a backup under way): no round can copy the WAL past it.
  insert(db, 1);
  const reader = new Database(file);
  closers.push(() => void reader.close());
  reader.exec('BEGIN');
  reader.prepare('SELECT COUNT(*) FROM t').get();
  insert(db, 40);
  await until(() => checkpointer.runs.gated >= 1, 'a round behind the gate');
  const gated = checkpointer.runs.gated;
  // One look every 10 ms for a second: behind the gate at most once per 200 ms, not at every look.
  for (let i = 0; i < 20; i++) {
    insert(db, 1);
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(checkpointer.runs.gated - gated).toBeLessThanOrEqual(6);
  expect(checkpointer.runs.gated - gated).toBeGreaterThanOrEqual(1);
  reader.exec('COMMIT');
});
