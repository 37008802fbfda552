import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { operationDocNames } from '@jointmap/shared';
import { openArchive, type OpenedArchive } from '@jointmap/server/archive/archive-reader';
import { restoreArchive } from '@jointmap/server/archive/archive-restore';
import { sha256OfFile, writeArchive } from '@jointmap/server/archive/archive-writer';
import type { RunningRestores } from '@jointmap/server/archive/running-restores';
import { purgeFixes } from '@jointmap/server/archive/purge-fixes';
import type { createPgPool } from '@jointmap/server/storage/pg-pool';
import type { ArchiveRecord, Operation, Storage } from '@jointmap/server/storage/types';
import { tempDir, type Teardown } from '../helpers/server.ts';
import { fix, type Backend } from './storage-backends.ts';

type Pool = ReturnType<typeof createPgPool>;

/** `value` bound to `target` when it is a method. */
const bound = (target: object, value: unknown): unknown =>
  typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;

/**
 * `pool`, whose checked-out clients wait for `before(sql)` before each statement: a test holds a
 * transaction at a chosen statement while another instance acts.
 */
export function hookedPool(pool: Pool, before: (sql: string) => Promise<void>): Pool {
  const hooked = <C extends { query: unknown }>(client: C): C =>
    new Proxy(client, {
      get(target, prop) {
        if (prop !== 'query') return bound(target, Reflect.get(target, prop, target));
        return async (text: unknown, ...rest: unknown[]) => {
          if (typeof text === 'string') await before(text);
          return Reflect.apply(target.query as (...a: unknown[]) => unknown, target, [text, ...rest]) as unknown;
        };
      },
    });
  return new Proxy(pool, {
    get(target, prop) {
      if (prop === 'connect') return async () => hooked(await target.connect());
      return bound(target, Reflect.get(target, prop, target));
    },
  });
}

/** A promise the test resolves (`release`) to let a held call go on; `reached` once it waits. */
export function gate(): { wait(): Promise<void>; reached: Promise<void>; release(): void } {
  let release!: () => void;
  let arrive!: () => void;
  const open = new Promise<void>((r) => (release = r));
  const reached = new Promise<void>((r) => (arrive = r));
  return {
    wait: () => {
      arrive();
      return open;
    },
    reached,
    release,
  };
}

/** Every 100 ms of s1/u1 from 1 s to 12 s (tracker `d`). */
export const ALL_TIMES = Array.from({ length: 111 }, (_, i) => 1_000 + i * 100);
export const timesIn = (from: number, to: number) => ALL_TIMES.filter((t) => t >= from && t <= to);

const closedOp = (id: string, createdAt: number, closedAt: number): Operation & { closedAt: number } => ({
  id,
  name: `行动 ${id}`,
  kind: 'search',
  status: 'closed',
  stations: ['s1'],
  createdBy: 'cmd',
  createdAt,
  closedAt,
});

/** Two closed operations of station s1 whose windows overlap from 5 s to 9 s. */
export const OP_A = closedOp('op-a', 1_000, 9_000);
export const OP_B = closedOp('op-b', 5_000, 12_000);

export interface SharedStation {
  /** The instance purging op-a. */
  a: Storage;
  /** The instance restoring op-b: another on PostgreSQL, `a` itself on SQLite (one process's). */
  b: Storage;
  recordA: ArchiveRecord;
  /** The directory holding both archives (and where they are opened). */
  dir: string;
  /** op-a's archive, opened (closed after the test). */
  openedA: OpenedArchive;
  /** op-b's archive file. */
  fileB: string;
  /** Open an archive file (closed after the test). */
  open(file: string): Promise<OpenedArchive>;
}

/**
 * op-a and op-b archived; op-b purged first (its fixes after op-a's window went: op-a, not purged
 * then, kept the rest); op-a's purge begun, its documents gone and its fixes not yet.
 */
export async function sharedStation(t: Teardown, backend: Backend): Promise<SharedStation> {
  const store = await backend.open(t);
  const a = store.storage;
  const b = store.another ? await store.another() : a;
  const dir = tempDir('jointmap-purge-restore-');
  const opened: OpenedArchive[] = [];
  t.onTestFinished(async () => {
    for (const o of opened) await o.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const open = async (file: string) => {
    const o = await openArchive(file, dir, 2 ** 30);
    opened.push(o);
    return o;
  };
  for (const op of [OP_A, OP_B]) {
    await a.createOperation({ ...op, status: 'active' });
    expect(await a.closeOperation(op.id, op.closedAt)).toBe(true);
  }
  await a.appendPositions(ALL_TIMES.map((time) => fix('s1', 'u1', time, 'd')));
  const write = async (op: typeof OP_A) => {
    const record = await writeArchive({
      storage: a,
      archiveDir: dir,
      instance: 'a',
      operation: op,
      createdBy: 'cmd',
      now: 20_000,
    });
    await a.recordArchive(record);
    return record;
  };
  const recordA = await write(OP_A);
  const recordB = await write(OP_B);
  expect(recordA.counts.fixes).toBe(timesIn(1_000, 9_000).length);
  expect(recordB.counts.fixes).toBe(timesIn(5_000, 12_000).length);

  expect(await a.purgeOperationDocs(OP_B.id, operationDocNames(OP_B.id, OP_B.stations), 21_000, recordB.id)).toBe(true);
  const openedB = await open(join(dir, recordB.file));
  expect(await purgeFixes(a, OP_B, { id: recordB.id, opened: openedB }, 10, () => {})).toMatchObject({
    dropped: timesIn(9_100, 12_000).length,
    keptForRestores: 0,
  });
  await a.finishPurge(OP_B.id, recordB.id);
  expect(await a.purgeOperationDocs(OP_A.id, operationDocNames(OP_A.id, OP_A.stations), 22_000, recordA.id)).toBe(true);
  return { a, b, recordA, dir, openedA: await open(join(dir, recordA.file)), fileB: join(dir, recordB.file), open };
}

/** op-a's purge, 10 fixes a batch, on `storage` (held between batches by the caller's wrapper). */
export const purgeA = (storage: Parameters<typeof purgeFixes>[0], s: SharedStation) =>
  purgeFixes(storage, OP_A, { id: s.recordA.id, opened: s.openedA }, 10, () => {});

/** The times of s1/u1 stored. */
export const stored = async (storage: Storage) =>
  (await storage.track('s1', 'u1', 0, 20_000, 1_000)).map((f) => f.time);

/** Restore op-b's archive on `storage` (instance b), as of now. */
export async function restoreB(s: SharedStation, storage: Storage, running?: RunningRestores): Promise<Operation> {
  const opened = await s.open(s.fileB);
  return restoreArchive(storage, opened, 'cmd', Date.now(), () => sha256OfFile(s.fileB), running);
}

type Method = (...args: unknown[]) => unknown;

/** `storage` whose `method` is called through `around` (the other methods as they are). */
function around(
  storage: Storage,
  method: keyof Storage,
  call: (run: Method, args: unknown[]) => Promise<unknown>,
): Storage {
  return new Proxy(storage, {
    get(target, prop) {
      const v = bound(target, Reflect.get(target, prop, target));
      if (prop !== method || typeof v !== 'function') return v;
      return (...args: unknown[]) => call(v as Method, args);
    },
  });
}

/**
 * `storage` with one method held at `g` before it runs (the other methods as they are), on its
 * `call`th call; then it throws `fail` when given.
 */
export function holding(
  storage: Storage,
  method: keyof Storage,
  g: ReturnType<typeof gate>,
  call = 1,
  fail?: Error,
): Storage {
  let calls = 0;
  return around(storage, method, async (run, args) => {
    if (++calls === call) {
      await g.wait();
      if (fail) throw fail;
    }
    return run(...args);
  });
}

/** `storage` with `method` held at `g` once its first call has returned (before its caller goes on). */
export function heldAfter(storage: Storage, method: keyof Storage, g: ReturnType<typeof gate>): Storage {
  let calls = 0;
  return around(storage, method, async (run, args) => {
    const result = await run(...args);
    if (++calls === 1) await g.wait();
    return result;
  });
}
