import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { COMMAND_SCOPE, COMMAND_STATION_ID, docName, operationDocNames, type Task } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import type { RoomManager } from '../rooms/room-manager.ts';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import { PendingWork } from './pending-work.ts';
import { StoredTaskEnds } from './stored-task-ends.ts';
import { TaskEndHistory } from './task-end-history.ts';
import { TaskEndsWalk } from './task-ends-walk.ts';
import { WalkSlots } from './walk-slots.ts';

const OP = 'op-task-ends-walk';
const DEQING = 'deqing-yuyue';
const NAMES = operationDocNames(OP, [DEQING]);
const ID = 'task-missing';
const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const close of closing.splice(0)) await close();
});

/** The commander's task (`id`) in `state`, written at `updatedAt`. */
const task = (state: Task['state'], updatedAt: number, id = ID): Task =>
  fixtures.missingPersonTask({ id, stationId: COMMAND_STATION_ID, targetStations: [DEQING], state, updatedAt });

/**
 * Real SQLite storage and a walk of its logs whose first walk has finished; `put(task, time)`
 * stores a task record in the command's document at server time `time` and notes the commit in
 * `history`, as the room's commit hook does; `read(now)` is the live service's read of the documents.
 */
async function walked(first: Task) {
  vi.useFakeTimers({ toFake: ['Date'] });
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-task-ends-walk-'));
  const storage = new SqliteStorage(dir);
  closing.push(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const history = new TaskEndHistory();
  const docs = new Map(NAMES.map((n) => [n, new Y.Doc()]));
  const put = async (t: Task, time: number) => {
    const doc = docs.get(docName(OP, COMMAND_SCOPE))!;
    let update: Uint8Array | null = null;
    doc.once('update', (u: Uint8Array) => (update = u));
    doc.getMap('tasks').set(t.id, t);
    vi.setSystemTime(time);
    await storage.appendUpdate(docName(OP, COMMAND_SCOPE), update!, { sessionId: null, userId: 'u-commander' });
    history.changed(time);
  };
  // Only `get(name).doc` is read.
  const rooms = { get: async (name: string) => ({ doc: docs.get(name)! }) } as unknown as Pick<RoomManager, 'get'>;
  await put(first, first.updatedAt);
  // The live service's first read: it knows the task, as it stands.
  await history.read(rooms, NAMES, first.updatedAt);
  const work = new PendingWork();
  const errors: unknown[] = [];
  const walk = new TaskEndsWalk({
    store: storage,
    work,
    slots: new WalkSlots(1),
    retryMs: 1_000,
    onReady: () => {},
    log: (e) => errors.push(e),
  });
  closing.push(async () => walk.close());
  await walk.step(history, NAMES);
  await work.idle();
  return { storage, history, walk, put, errors, read: (now: number) => history.read(rooms, NAMES, now) };
}

it('keeps the change noted before a walk on that failed: the next read dates it to its commit', async () => {
  const { storage, history, walk, put, read } = await walked(task('open', 1_000));
  await put(task('closed', 3_000), 3_000);
  const heads = storage.readUpdateLogHeads.bind(storage);
  vi.spyOn(storage, 'readUpdateLogHeads')
    .mockRejectedValueOnce(new Error('disk busy'))
    .mockImplementation((...a) => heads(...a));
  await expect(walk.step(history, NAMES)).rejects.toThrow('disk busy');
  await read(9_000);
  expect(history.signature(ID)).toBe(JSON.stringify([{ from: 3_000, to: null }]));
});

it('adopts the walk after a few rounds though the logs keep growing, and dates what was committed after the last forget by the read, from its commit', async () => {
  const { storage, history, walk, put, read } = await walked(task('open', 1_000));
  // Another task raised at 2,000: noted, then walked on by its stored time.
  await put(task('open', 2_000, 'task-other'), 2_000);
  // Every walk on stores another update meanwhile (up to 10): the third closes the task at 5,000.
  let grown = 0;
  const page = storage.readUpdateLogPage.bind(storage);
  vi.spyOn(storage, 'readUpdateLogPage').mockImplementation(async (doc, ...rest) => {
    const rows = await page(doc, ...rest);
    if (++grown === 3) await put(task('closed', 5_000), 5_000);
    else if (grown < 10) await put(task('open', 2_000 + grown, 'task-other'), 3_000 + grown);
    return rows;
  });
  await walk.step(history, NAMES);
  expect(grown).toBe(3);
  // Adopted: the walk is not stepped again, the close is left to the read.
  expect(history.signature(ID)).toBe(JSON.stringify([]));
  await read(9_000);
  expect(history.signature(ID)).toBe(JSON.stringify([{ from: 5_000, to: null }]));
});

it('reads the heads once a catch-up round: a log that grew during one round’s walk is walked on in the next, by its stored time', async () => {
  const { storage, history, walk, put, read } = await walked(task('open', 1_000));
  await put(task('closed', 3_000), 3_000);
  // The first walk on stores the task's reopening at 4,000 as it reads the close.
  let grown = false;
  const page = storage.readUpdateLogPage.bind(storage);
  vi.spyOn(storage, 'readUpdateLogPage').mockImplementation(async (...args) => {
    const rows = await page(...args);
    if (!grown) {
      grown = true;
      await put(task('open', 4_000), 4_000);
    }
    return rows;
  });
  const heads = vi.spyOn(storage, 'readUpdateLogHeads');
  await walk.step(history, NAMES);
  // The close, the reopening, then no log behind: one read of the heads each.
  expect(heads).toHaveBeenCalledTimes(3);
  await read(9_000);
  expect(history.signature(ID)).toBe(JSON.stringify([{ from: 3_000, to: 4_000 }]));
});

it('keeps a finished walk’s documents encoded until the walk on, which dates what was stored meanwhile by its stored time', async () => {
  const compact = vi.spyOn(StoredTaskEnds.prototype, 'compact');
  const { history, walk, put, read } = await walked(task('open', 1_000));
  // Finished, not adopted yet: its documents encoded, not held as Y.Docs.
  expect(compact).toHaveBeenCalledTimes(1);
  await put(task('closed', 3_000), 3_000);
  await walk.step(history, NAMES);
  await read(9_000);
  expect(history.signature(ID)).toBe(JSON.stringify([{ from: 3_000, to: null }]));
});
