import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { docName, type Unit } from '@jointmap/shared';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import { ReplayUnitTasks } from './replay-unit-tasks.ts';

const OP = 'op-replay-tasks';
const STATION = 'deqing';
const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const close of closing.splice(0)) await close();
});

/** Real SQLite storage with a station log; `assign` stores one roster change a millisecond apart. */
function station() {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-replay-tasks-'));
  const storage = new SqliteStorage(dir);
  closing.push(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const doc = new Y.Doc();
  let now = 1_000_000;
  const assign = async (unitId: string, assignedTaskId: string | null) => {
    let update: Uint8Array | null = null;
    doc.once('update', (u: Uint8Array) => (update = u));
    const unit = { id: unitId, stationId: STATION, callsign: unitId, assignedTaskId, updatedAt: now };
    doc.getMap<Unit>('units').set(unitId, unit as unknown as Unit);
    vi.setSystemTime((now += 1));
    await storage.appendUpdate(docName(OP, STATION), update!, { sessionId: null, userId: 'u-deqing' });
  };
  // Rows of the log handed out (a check for something appended reads none).
  const pages = vi.spyOn(storage, 'readUpdateLogPage');
  const rowsRead = async () => {
    let rows = 0;
    for (const r of pages.mock.results) if (r.type === 'return') rows += (await r.value).length;
    return rows;
  };
  return { storage, assign, rowsRead, end: () => now };
}

it('an operation under way whose roster log grew is walked on from the last update read, and answers as a walk from the start', async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  const { storage, assign, rowsRead, end } = station();
  // Two units switching between two tasks.
  const changes = 317;
  const taskOf = (i: number) => (i % 3 ? 't-1' : 't-2');
  for (let i = 0; i < changes; i++) await assign(i % 2 ? 'car' : 'van', taskOf(i));
  const tasks = new ReplayUnitTasks(storage);
  await tasks.of(OP, [STATION], true);
  expect(await rowsRead()).toBe(changes);

  // The log grows while the replay plays: the next request reads the new updates only.
  await assign('car', 't-3');
  await assign('van', null);
  await assign('car', 't-1');
  const onTask = await tasks.of(OP, [STATION], true);
  expect((await rowsRead()) - changes).toBe(3);
  // Nothing new: nothing read.
  await tasks.of(OP, [STATION], true);
  expect((await rowsRead()) - changes).toBe(3);

  const fresh = await new ReplayUnitTasks(storage).of(OP, [STATION], true);
  const answers = (f: typeof onTask) =>
    ['car', 'van'].flatMap((unitId) =>
      ['t-1', 't-2', 't-3'].flatMap((taskId) =>
        Array.from({ length: 60 }, (_, i) => f({ stationId: STATION, unitId }, taskId, end() - 50 + i)),
      ),
    );
  expect(answers(onTask)).toEqual(answers(fresh));
  // The continued history knows the latest changes (stored at end() - 2, end() - 1 and end()).
  const car = { stationId: STATION, unitId: 'car' };
  expect([onTask(car, 't-3', end() - 1), onTask(car, 't-3', end()), onTask(car, 't-1', end())]).toEqual([
    true,
    false,
    true,
  ]);
  const van = { stationId: STATION, unitId: 'van' };
  const vanTask = taskOf(changes - 1 - ((changes - 1) % 2));
  expect([onTask(van, vanTask, end() - 2), onTask(van, vanTask, end() - 1)]).toEqual([true, false]);
});

it('two requests at once for a grown roster read its new updates once', async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  const { storage, assign, rowsRead } = station();
  for (let i = 0; i < 40; i++) await assign('car', i % 2 ? 't-1' : 't-2');
  const tasks = new ReplayUnitTasks(storage);
  await tasks.of(OP, [STATION], true);
  await assign('car', 't-3');
  const [a, b] = await Promise.all([tasks.of(OP, [STATION], true), tasks.of(OP, [STATION], true)]);
  expect((await rowsRead()) - 40).toBe(1);
  expect(a({ stationId: STATION, unitId: 'car' }, 't-3', Date.now())).toBe(true);
  expect(b({ stationId: STATION, unitId: 'car' }, 't-1', Date.now())).toBe(false);
});
