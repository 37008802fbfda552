import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import {
  COMMAND_SCOPE,
  COMMAND_STATION_ID,
  docName,
  operationDocNames,
  responseKey,
  type Task,
  type TaskResponse,
} from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import { StoredTaskEnds } from './stored-task-ends.ts';

// Every Yjs apply counted (and done): a walk on must not load documents whose logs did not grow.
vi.mock('yjs', async (importOriginal) => {
  const yjs = await importOriginal<typeof Y>();
  return { ...yjs, applyUpdate: vi.fn(yjs.applyUpdate) };
});

const OP = 'op-task-ends';
const DEQING = 'deqing-yuyue';
const NAMES = operationDocNames(OP, [DEQING]);
const ID = 'task-missing';
const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const close of closing.splice(0)) await close();
});

/**
 * Real SQLite storage; `put(scope, task, time)` stores a task record in a document at server time
 * `time`, `answer(scope, response, time)` an answer.
 */
function operationLogs() {
  vi.useFakeTimers({ toFake: ['Date'] });
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-task-ends-'));
  const storage = new SqliteStorage(dir);
  closing.push(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const docs = new Map<string, Y.Doc>();
  const write = async (scope: string, map: string, key: string, value: unknown, time: number) => {
    const doc = docs.get(scope) ?? docs.set(scope, new Y.Doc()).get(scope)!;
    let update: Uint8Array | null = null;
    doc.once('update', (u: Uint8Array) => (update = u));
    doc.getMap(map).set(key, value);
    vi.setSystemTime(time);
    await storage.appendUpdate(docName(OP, scope), update!, { sessionId: null, userId: 'u-commander' });
  };
  return {
    storage,
    put: (scope: string, task: Task, time: number) => write(scope, 'tasks', task.id, task, time),
    answer: (scope: string, r: TaskResponse, time: number) =>
      write(scope, 'responses', responseKey(r.taskStationId, r.taskId), r, time),
  };
}

/** The commander's task (`command`) or 德清's copy of it, in `state`, written at `updatedAt`. */
const task = (scope: string, state: Task['state'], updatedAt: number): Task =>
  fixtures.missingPersonTask({
    ...{ id: ID, stationId: scope === COMMAND_SCOPE ? COMMAND_STATION_ID : DEQING },
    ...{ targetStations: [DEQING], state, updatedAt },
  });

it('dates a task’s end to the update that ended its last record in any document, and its reopening; a walk on answers as one from the start', async () => {
  const { storage, put } = operationLogs();
  await put(COMMAND_SCOPE, task(COMMAND_SCOPE, 'open', 1_000), 1_000);
  await put(DEQING, task(DEQING, 'open', 2_000), 2_000);
  // The command's record is closed first: 德清's still open, the task has not ended.
  await put(COMMAND_SCOPE, task(COMMAND_SCOPE, 'closed', 3_000), 3_000);
  // 德清's record, written offline at 3,500, is stored at 4,000: ended from when it was stored.
  await put(DEQING, task(DEQING, 'closed', 3_500), 4_000);
  const pages = vi.spyOn(storage, 'readUpdateLogPage');
  const ends = new StoredTaskEnds(true);
  await ends.walk(storage, NAMES);
  const at = (h: StoredTaskEnds, time: number) => h.history.ended(ID, time);
  expect([at(ends, 3_000), at(ends, 3_999), at(ends, 4_000), at(ends, 9_000)]).toEqual([false, false, true, true]);
  expect(await ends.behind(storage, NAMES)).toBe(false);

  // Reopened in the command's document at 6,000 (德清's copy follows at 6,500).
  await put(COMMAND_SCOPE, task(COMMAND_SCOPE, 'open', 6_000), 6_000);
  await put(DEQING, task(DEQING, 'open', 6_500), 6_500);
  expect(await ends.behind(storage, NAMES)).toBe(true);
  pages.mockClear();
  await ends.walk(storage, NAMES);
  // Only the two new updates were read.
  const rows = await Promise.all(pages.mock.results.map(async (r) => (await r.value).length));
  expect(rows.reduce((a, b) => a + b, 0)).toBe(2);
  expect([at(ends, 4_000), at(ends, 5_999), at(ends, 6_000), at(ends, 9_000)]).toEqual([true, true, false, false]);

  const fromStart = new StoredTaskEnds(false);
  await fromStart.walk(storage, NAMES);
  expect(fromStart.history.signature(ID)).toBe(ends.history.signature(ID));
  expect(fromStart.history.signature(ID)).toBe(JSON.stringify([{ from: 4_000, to: 6_000 }]));
  // Nothing kept to go on from: a later walk would have to start again.
  expect(fromStart.resumable).toBe(false);
});

it('dates a task’s end to the answer that resolved it, and its reopening to the record that made the answer history', async () => {
  const { storage, put, answer } = operationLogs();
  // The commander's task, held in the command's document only; 德清 answers in its own.
  const task = (updatedAt: number, over: Partial<Task> = {}): Task =>
    fixtures.missingPersonTask({ stationId: COMMAND_STATION_ID, targetStations: [DEQING], updatedAt, ...over });
  const reply = (status: TaskResponse['status'], updatedAt: number): TaskResponse =>
    fixtures.response({ taskId: ID, taskStationId: COMMAND_STATION_ID, stationId: DEQING, status, updatedAt });
  await put(COMMAND_SCOPE, task(1_000), 1_000);
  await answer(DEQING, reply('accepted', 2_000), 2_000);
  // 办结 by 德清: the task ended with its answer, the command's record still open.
  await answer(DEQING, reply('resolved', 3_000), 3_000);
  const ends = new StoredTaskEnds(true);
  await ends.walk(storage, NAMES);
  expect(ends.history.signature(ID)).toBe(JSON.stringify([{ from: 3_000, to: null }]));

  // Reopened by the commander: the earlier 办结 no longer counts. Resolved again later.
  await put(COMMAND_SCOPE, task(5_000, { reopenedAt: 5_000 }), 5_000);
  await answer(DEQING, reply('accepted', 6_000), 6_000);
  await answer(DEQING, reply('resolved', 8_000), 8_000);
  await ends.walk(storage, NAMES);
  const spells = JSON.stringify([
    { from: 3_000, to: 5_000 },
    { from: 8_000, to: null },
  ]);
  expect(ends.history.signature(ID)).toBe(spells);
  const fromStart = new StoredTaskEnds(false);
  await fromStart.walk(storage, NAMES);
  expect(fromStart.history.signature(ID)).toBe(spells);
});

it('goes on with only the documents whose logs grew, applying their new updates and no document again', async () => {
  const { storage, put } = operationLogs();
  await put(COMMAND_SCOPE, task(COMMAND_SCOPE, 'open', 1_000), 1_000);
  await put(DEQING, task(DEQING, 'open', 2_000), 2_000);
  await put(COMMAND_SCOPE, task(COMMAND_SCOPE, 'closed', 3_000), 3_000);
  const ends = new StoredTaskEnds(true);
  await ends.walk(storage, NAMES);
  const applies = vi.mocked(Y.applyUpdate);

  // 德清 closes its copy: one update in one document.
  await put(DEQING, task(DEQING, 'closed', 4_000), 4_000);
  applies.mockClear();
  await ends.walk(storage, NAMES);
  expect(applies).toHaveBeenCalledTimes(1);
  expect(ends.history.signature(ID)).toBe(JSON.stringify([{ from: 4_000, to: null }]));

  // Kept encoded (a replay's older operations): only the document whose log grew is loaded again.
  ends.compact();
  await put(DEQING, task(DEQING, 'open', 5_000), 5_000);
  applies.mockClear();
  await ends.walk(storage, NAMES);
  // 德清's state, then its new update; the command's document stays encoded.
  expect(applies).toHaveBeenCalledTimes(2);
  expect(ends.history.signature(ID)).toBe(JSON.stringify([{ from: 4_000, to: 5_000 }]));
  applies.mockClear();
  await ends.walk(storage, NAMES);
  expect(applies).not.toHaveBeenCalled();

  // Dropped: the spells stay, no walk can go on.
  ends.dispose();
  expect(ends.resumable).toBe(false);
  expect(ends.history.signature(ID)).toBe(JSON.stringify([{ from: 4_000, to: 5_000 }]));
});

it('stops between two pages once its signal is aborted', async () => {
  const { storage, put } = operationLogs();
  await put(COMMAND_SCOPE, task(COMMAND_SCOPE, 'open', 1_000), 1_000);
  await put(DEQING, task(DEQING, 'closed', 2_000), 2_000);
  const stop = new AbortController();
  const read: string[] = [];
  const page = storage.readUpdateLogPage.bind(storage);
  vi.spyOn(storage, 'readUpdateLogPage').mockImplementation(async (doc, ...rest) => {
    read.push(doc);
    // The command's log is read: stopped before the next page (德清's).
    stop.abort();
    return page(doc, ...rest);
  });
  const ends = new StoredTaskEnds(true);
  await expect(ends.walk(storage, NAMES, stop.signal)).rejects.toThrow(/abort/i);
  expect(read).toEqual([NAMES[0]]);
});

it('walks every log only up to where it ended when the walk started, reading no row stored since: a walk on answers as one from the start though logs grew while it paged', async () => {
  const { storage, put } = operationLogs();
  await put(COMMAND_SCOPE, task(COMMAND_SCOPE, 'open', 1_000), 1_000);
  await put(DEQING, task(DEQING, 'closed', 2_000), 2_000);
  // While the first walk pages 德清's log (the command's read already), the command's copy is
  // closed at 3,000 and 德清's reopened at 4,000: the task ended from 3,000 to 4,000.
  let grown = false;
  let rows = 0;
  const page = storage.readUpdateLogPage.bind(storage);
  vi.spyOn(storage, 'readUpdateLogPage').mockImplementation(async (doc, ...rest) => {
    if (doc === NAMES[1] && !grown) {
      grown = true;
      await put(COMMAND_SCOPE, task(COMMAND_SCOPE, 'closed', 3_000), 3_000);
      await put(DEQING, task(DEQING, 'open', 4_000), 4_000);
    }
    const read = await page(doc, ...rest);
    rows += read.length;
    return read;
  });
  const ends = new StoredTaskEnds(true);
  await ends.walk(storage, NAMES);
  expect(grown).toBe(true);
  // One row of each log: 德清's read stopped at its head, before the update stored at 4,000.
  expect(rows).toBe(2);
  expect(ends.history.signature(ID)).toBe(JSON.stringify([]));
  expect(await ends.behind(storage, NAMES)).toBe(true);
  rows = 0;
  await ends.walk(storage, NAMES);
  // The two updates stored meanwhile, each once.
  expect(rows).toBe(2);
  const spells = JSON.stringify([{ from: 3_000, to: 4_000 }]);
  expect(ends.history.signature(ID)).toBe(spells);

  const fromStart = new StoredTaskEnds(false);
  await fromStart.walk(storage, NAMES);
  expect(fromStart.history.signature(ID)).toBe(spells);
});

it('never reads a log whole: learns where the logs end from their heads, in one read, and reads each row once, a page at a time', async () => {
  const { storage, put } = operationLogs();
  await put(COMMAND_SCOPE, task(COMMAND_SCOPE, 'open', 1_000), 1_000);
  await put(DEQING, task(DEQING, 'open', 2_000), 2_000);
  await put(COMMAND_SCOPE, task(COMMAND_SCOPE, 'closed', 3_000), 3_000);
  await put(DEQING, task(DEQING, 'closed', 4_000), 4_000);
  // A store that refuses every read of a log but a page (a count or a whole log reads every row).
  const refused = (what: string) => () => Promise.reject(new Error(`a log read by ${what}`));
  let rows = 0;
  const heads = vi.fn((docs: readonly string[]) => storage.readUpdateLogHeads(docs));
  const store = {
    readUpdateLogPage: async (doc: string, afterSeq: number, limit: number, throughSeq?: number) => {
      const page = await storage.readUpdateLogPage(doc, afterSeq, limit, throughSeq);
      rows += page.length;
      return page;
    },
    readUpdateLogHeads: heads,
    readUpdateLogSpan: refused('a span'),
    readUpdateLog: refused('the whole log'),
  };
  const ends = new StoredTaskEnds(true);
  await ends.walk(store, NAMES);
  expect(ends.history.signature(ID)).toBe(JSON.stringify([{ from: 4_000, to: null }]));
  expect([rows, heads.mock.calls.length]).toEqual([4, 1]);

  // A walk on tells whether any log was behind from the one read of the heads it walks up to:
  // no `behind` check first.
  await put(DEQING, task(DEQING, 'open', 5_000), 5_000);
  expect(await ends.walk(store, NAMES)).toBe(true);
  expect(ends.history.signature(ID)).toBe(JSON.stringify([{ from: 4_000, to: 5_000 }]));
  expect(await ends.walk(store, NAMES)).toBe(false);
  // The new update alone; each walk one read of the heads.
  expect([rows, heads.mock.calls.length]).toEqual([5, 3]);
});
