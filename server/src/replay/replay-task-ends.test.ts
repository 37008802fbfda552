import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { COMMAND_SCOPE, COMMAND_STATION_ID, docName, type Task } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import { ReplayTaskEnds } from './replay-task-ends.ts';

// Every Yjs apply counted (and done): which documents a walk on loads.
vi.mock('yjs', async (importOriginal) => {
  const yjs = await importOriginal<typeof Y>();
  return { ...yjs, applyUpdate: vi.fn(yjs.applyUpdate) };
});

const DEQING = 'deqing-yuyue';
const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const close of closing.splice(0)) await close();
});

it('keeps the documents of the two operations replayed last in memory and the others encoded', async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-replay-task-ends-'));
  const storage = new SqliteStorage(dir);
  closing.push(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const docs = new Map<string, Y.Doc>();
  /** The commander's task of operation `op` in state `state`, stored at `time`. */
  const put = async (op: string, state: Task['state'], time: number) => {
    const name = docName(op, COMMAND_SCOPE);
    const doc = docs.get(name) ?? docs.set(name, new Y.Doc()).get(name)!;
    let update: Uint8Array | null = null;
    doc.once('update', (u: Uint8Array) => (update = u));
    const task = fixtures.missingPersonTask({ stationId: COMMAND_STATION_ID, targetStations: [DEQING], state });
    doc.getMap('tasks').set(task.id, { ...task, updatedAt: time });
    vi.setSystemTime(time);
    await storage.appendUpdate(name, update!, { sessionId: null, userId: 'u-commander' });
  };
  const ops = ['op-a', 'op-b', 'op-c'].map((id) => ({ id, stations: [DEQING], status: 'active' as const }));
  const ends = new ReplayTaskEnds(storage);
  for (const op of ops) {
    await put(op.id, 'open', 1_000);
    await ends.of(op);
  }
  const applies = vi.mocked(Y.applyUpdate);
  const [a, , c] = ops as [(typeof ops)[0], (typeof ops)[0], (typeof ops)[0]];

  // Replayed last: its command document is in memory, only the new update is applied.
  await put(c.id, 'closed', 2_000);
  applies.mockClear();
  expect((await ends.of(c)).signature('task-missing')).toBe(JSON.stringify([{ from: 2_000, to: null }]));
  expect(applies).toHaveBeenCalledTimes(1);

  // Replayed before the two others: its document was kept encoded, and is loaded again.
  await put(a.id, 'closed', 3_000);
  applies.mockClear();
  expect((await ends.of(a)).signature('task-missing')).toBe(JSON.stringify([{ from: 3_000, to: null }]));
  expect(applies).toHaveBeenCalledTimes(2);
  expect(ends.stats).toEqual({ walked: 3, wentOn: 2 });
});

it('reads the log heads once when a kept walk goes on, and once when nothing was stored since', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-replay-task-ends-'));
  const storage = new SqliteStorage(dir);
  closing.push(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const name = docName('op-a', COMMAND_SCOPE);
  const doc = new Y.Doc();
  const put = async (state: Task['state']) => {
    let update: Uint8Array | null = null;
    doc.once('update', (u: Uint8Array) => (update = u));
    const task = fixtures.missingPersonTask({ stationId: COMMAND_STATION_ID, targetStations: [DEQING], state });
    doc.getMap('tasks').set(task.id, task);
    await storage.appendUpdate(name, update!, { sessionId: null, userId: 'u-commander' });
  };
  const op = { id: 'op-a', stations: [DEQING], status: 'active' as const };
  const ends = new ReplayTaskEnds(storage);
  await put('open');
  await ends.of(op);
  const heads = vi.spyOn(storage, 'readUpdateLogHeads');
  await put('closed');
  await ends.of(op);
  expect(heads).toHaveBeenCalledTimes(1);
  await ends.of(op);
  expect(heads).toHaveBeenCalledTimes(2);
  expect(ends.stats).toEqual({ walked: 1, wentOn: 1 });
});
