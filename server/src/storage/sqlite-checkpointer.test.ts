import { readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { SqliteCheckpointer } from './sqlite-checkpointer.ts';
import {
  checkpointedRows,
  heldSyncs,
  inDatabaseFile,
  insert,
  lockedHere,
  open,
  releaseAfterTest,
  start,
  until,
  walSequence,
} from './sqlite-checkpointer.test-support.ts';

it('copies the commits of another connection into the database file, and again after each later write', async () => {
  const { db, file } = open();
  insert(db, 50);
  expect(checkpointedRows(file)).toBe(0);
  const checkpointer = start(db, file, { everyMs: 20, syncMs: 20 });

  await until(() => checkpointedRows(file) === 50, 'the first checkpoint');
  // The WAL it copied is counted once the database file is synced, a moment after the copy.
  await until(() => checkpointer.stats.largestLog > 0, 'the report of the first checkpoint');

  // After a complete checkpoint the checkpointer skips its ticks until another connection commits
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
  const checkpointer = start(db, file, { everyMs: 2_000, syncMs: 20 });
  insert(db, 20);
  await until(() => checkpointer.runs.syncs >= 1, 'a sync of the WAL');
  // Synced, not copied: the database file has no row yet, and no checkpoint ran.
  expect(checkpointedRows(file)).toBe(0);
  expect(checkpointer.runs.checkpoints).toBe(0);
  // No commit since: no more syncs.
  await new Promise((r) => setTimeout(r, 100));
  const syncs = checkpointer.runs.syncs;
  await new Promise((r) => setTimeout(r, 100));
  expect(checkpointer.runs.syncs).toBe(syncs);
  insert(db, 5);
  await until(() => checkpointer.runs.syncs > syncs, 'a sync of the later commits');
  await until(() => checkpointedRows(file) === 25, 'the checkpoint once its period is up');
  await until(() => checkpointer.runs.checkpoints >= 1, 'the count of that checkpoint');
});

/** Threads of this process (Linux). */
const threads = () => readdirSync('/proc/self/task').length;

it('syncs and checkpoints without a thread of its own', async () => {
  const { db, file } = open();
  // libuv starts all of its pool's threads at the first piece of work handed to it.
  await stat(file);
  const before = threads();
  const checkpointer = start(db, file, { everyMs: 200, syncMs: 20 });
  insert(db, 20);
  await until(() => checkpointer.runs.syncs >= 1, 'a sync of the WAL');
  await until(() => checkpointer.runs.checkpoints >= 1 && checkpointedRows(file) === 20, 'a checkpoint');
  expect(threads()).toBe(before);
});

it('copies only commits it has synced, and lets the WAL start afresh only once the database file is synced', async () => {
  const { db, file } = open();
  const syncs = heldSyncs();
  // Every look a round that copies (a sync alone would let the update below into the next copy).
  start(db, file, { everyMs: 1, syncMs: 20, sync: syncs.sync });
  releaseAfterTest(syncs);
  syncs.hold('wal');
  insert(db, 20);
  await until(() => syncs.waiting('wal'), 'the round to sync the WAL');
  expect(checkpointedRows(file)).toBe(0);
  // Committed while the WAL's sync is under way (one page rewritten in place, so that the copy
  // that leaves it out still reads whole): the round must not copy it.
  db.prepare('UPDATE counter SET n = n + 1').run();

  syncs.hold('database');
  syncs.release('wal');
  await until(() => syncs.waiting('database'), 'the round to sync the database file');
  expect(checkpointedRows(file)).toBe(20);
  expect(inDatabaseFile(file, 'SELECT n FROM counter')).toBe(0);
  // The copy is not yet on disk: a commit now must not start the WAL afresh over what it copied.
  const sequence = walSequence(file);
  insert(db, 1);
  expect(walSequence(file)).toBe(sequence);

  // Let that round end; the next copies the whole WAL. Until its database sync returns, a commit
  // must still not start the WAL afresh.
  syncs.release('database');
  syncs.hold('database');
  await until(() => syncs.waiting('database'), 'the next round to sync the database file');
  expect(checkpointedRows(file)).toBe(21);
  expect(inDatabaseFile(file, 'SELECT n FROM counter')).toBe(1);
  insert(db, 1);
  expect(walSequence(file)).toBe(sequence);

  // Once a round that copied the whole WAL has ended, nothing committed since, the next commit
  // starts it afresh.
  syncs.release('database');
  syncs.hold('database');
  await until(() => syncs.waiting('database'), 'a third round to sync the database file');
  expect(checkpointedRows(file)).toBe(22);
  syncs.release('database');
  // The round ends in the promise callbacks that the release runs.
  await new Promise((r) => setImmediate(r));
  insert(db, 1);
  expect(walSequence(file)).toBe(sequence + 1);
});

it('runs a round behind the gate once the WAL has passed the restart limit, and the next commit starts it afresh', async () => {
  const { db, file } = open();
  const syncs = heldSyncs();
  const checkpointer = start(db, file, { everyMs: 20, syncMs: 20, restartFrames: 16, sync: syncs.sync });
  releaseAfterTest(syncs);
  syncs.hold('database');
  insert(db, 40);
  await until(() => syncs.waiting('database'), 'the first round to sync the database file');
  expect(checkpointer.gate).toBeNull();
  // A commit while the copy waits for its sync keeps the WAL, now past the limit, in use.
  insert(db, 1);
  const sequence = walSequence(file);

  syncs.hold('wal');
  syncs.release('database');
  await until(() => syncs.waiting('wal'), 'the next round to sync the WAL');
  // Writers wait at the gate until the round is done.
  expect(checkpointer.gate).not.toBeNull();
  syncs.release('wal');
  await until(() => checkpointer.gate === null, 'the gate to open');
  expect(checkpointer.stats.restarts).toBe(1);
  expect(checkpointer.stats.largestLog).toBeGreaterThan(16);
  insert(db, 1);
  expect(walSequence(file)).toBe(sequence + 1);
  await until(() => checkpointedRows(file) === 41, 'every row before the gate in the database file');
});

it('leaves SQLite its locks on the database file while another checkpointer on the file runs', async () => {
  const { db, file } = open();
  // Another store on the same file in this process: its connection and its checkpointer.
  const other = new Database(file);
  other.prepare('SELECT COUNT(*) FROM t').get();
  const second = start(other, file, { everyMs: 20, syncMs: 20 });
  const first = new SqliteCheckpointer(
    file,
    (err) => {
      throw err;
    },
    { everyMs: 20, syncMs: 20 },
  );
  insert(db, 5);
  await until(() => first.runs.checkpoints + second.runs.checkpoints >= 1, 'a checkpoint');
  expect(lockedHere(file)).toBe(true);
  await first.stop(() => db.close());
  // SQLite's shared lock of the other connection is still there for other processes to see.
  expect(lockedHere(file)).toBe(true);
  other.prepare('SELECT COUNT(*) FROM t').get();
  expect(lockedHere(file)).toBe(true);
});
