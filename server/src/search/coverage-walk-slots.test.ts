import { expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { COMMAND_STATION_ID, docName, COMMAND_SCOPE, type Task } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import type { SqliteStorage } from '../storage/sqlite-storage.ts';
import { coverageHarness, DEQING, T } from './coverage-harness.test-support.ts';

const FIRST = 'op-walks-a';
const MORE = ['op-walks-b', 'op-walks-c', 'op-walks-d'];
const OPS = [FIRST, ...MORE];

/** Active operations `OPS` of 德清, each with a task stored in its command's log, in a directory of their own. */
async function operations(): Promise<string> {
  const s = await coverageHarness(FIRST, { now: T });
  for (const id of MORE)
    await s.storage.createOperation({
      ...{ id, name: id, kind: 'search', status: 'active', stations: [DEQING] },
      ...{ createdBy: 'u-commander', createdAt: 0 },
    });
  for (const id of OPS) {
    const doc = new Y.Doc();
    let update: Uint8Array | null = null;
    doc.once('update', (u: Uint8Array) => (update = u));
    const task: Task = fixtures.missingPersonTask({ stationId: COMMAND_STATION_ID, targetStations: [DEQING] });
    doc.getMap('tasks').set(task.id, task);
    await s.storage.appendUpdate(docName(id, COMMAND_SCOPE), update!, { sessionId: null, userId: 'u-commander' });
  }
  await s.close();
  return s.dir;
}

/**
 * The walks of the stored logs as the storage sees them: an operation's walk has started once any
 * of its logs is read (`started`); its first page read waits at a gate until `release(id)`, and
 * `arrival(k)` resolves with the operation of the k-th walk to reach its gate.
 */
function walkGates(storage: SqliteStorage) {
  const started = new Set<string>();
  const released = new Set<string>();
  const gates = new Map<string, () => void>();
  const arrived: string[] = [];
  const waiting: Array<{ k: number; resolve: (id: string) => void }> = [];
  const opOf = (doc: string) => doc.slice(0, doc.indexOf('/'));
  const heads = storage.readUpdateLogHeads.bind(storage);
  vi.spyOn(storage, 'readUpdateLogHeads').mockImplementation(async (docs) => {
    for (const d of docs) started.add(opOf(d));
    return heads(docs);
  });
  const span = storage.readUpdateLogSpan.bind(storage);
  vi.spyOn(storage, 'readUpdateLogSpan').mockImplementation(async (doc, ...rest) => {
    started.add(opOf(doc));
    return span(doc, ...rest);
  });
  const page = storage.readUpdateLogPage.bind(storage);
  vi.spyOn(storage, 'readUpdateLogPage').mockImplementation(async (doc, ...rest) => {
    const id = opOf(doc);
    started.add(id);
    if (!gates.has(id)) {
      const gate = new Promise<void>((resolve) => gates.set(id, resolve));
      arrived.push(id);
      for (const w of waiting.filter((w) => w.k < arrived.length)) w.resolve(arrived[w.k]!);
      await gate;
    }
    return page(doc, ...rest);
  });
  return {
    started,
    /** Operations whose walk started and whose gate is not opened: every one of them is walking. */
    walking: () => [...started].filter((id) => !released.has(id)),
    arrival: (k: number) =>
      k < arrived.length
        ? Promise.resolve(arrived[k]!)
        : new Promise<string>((resolve) => waiting.push({ k, resolve })),
    release(id: string) {
      released.add(id);
      gates.get(id)!();
    },
    releaseAll() {
      for (const id of OPS) if (gates.has(id)) this.release(id);
    },
  };
}

it('walks the stored logs of the operations it follows at start-up two at a time, each in turn', async () => {
  const dir = await operations();
  let gates!: ReturnType<typeof walkGates>;
  const again = await coverageHarness(FIRST, {
    ...{ dir, now: T, walksAtOnce: 2 },
    beforeStart: (storage) => void (gates = walkGates(storage)),
  });
  // Every operation's first read is done (its walk asked for), not one walk has finished.
  await Promise.all(OPS.map((id) => again.coverage.fullMessage(id)));
  expect(gates.started.size).toBe(2);
  for (let k = 0; k < OPS.length; k++) {
    const id = await gates.arrival(k);
    expect(gates.walking().length).toBeLessThanOrEqual(2);
    gates.release(id);
  }
  await again.coverage.whenIdle();
  expect([...gates.started].sort()).toEqual([...OPS].sort());
  expect(again.errors).toEqual([]);
});

it('stops the walks waiting their turn when closed: their logs are never read', async () => {
  const dir = await operations();
  let gates!: ReturnType<typeof walkGates>;
  const again = await coverageHarness(FIRST, {
    ...{ dir, now: T, walksAtOnce: 1 },
    beforeStart: (storage) => void (gates = walkGates(storage)),
  });
  await Promise.all(OPS.map((id) => again.coverage.fullMessage(id)));
  const first = await gates.arrival(0);
  const closing = again.close();
  gates.releaseAll();
  await closing;
  expect([...gates.started]).toEqual([first]);
  expect(again.errors).toEqual([]);
});
