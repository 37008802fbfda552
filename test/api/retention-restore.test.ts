import { describe, expect, it } from 'vitest';
import type { Operation, PositionFix } from '@jointmap/server/storage/types';
import { startServer, type Teardown, type TestServer } from '../helpers/server.ts';
import { createTestSchema } from '../helpers/pg-schema.ts';
import { DEQING } from '../helpers/tasks.ts';
import { archiveOp, call, download, restore, streetFixes } from './archive-helpers.ts';

const street = (unitId: string, start: number, n: number) => streetFixes(DEQING, unitId, start, n);

const DAY = 24 * 3600_000;
const UNIT = 'yuyue-car-01';

interface Instance {
  server: TestServer;
  /** A commander's token. */
  token: string;
  /** The PostgreSQL store it runs on (null: its own SQLite store). */
  databaseUrl: string | null;
}

/** A server with the retention timer off, on its own store, or on the PostgreSQL store of another instance. */
async function start(t: Teardown, backend: 'sqlite' | 'postgres', sameStoreAs?: Instance): Promise<Instance> {
  let databaseUrl = sameStoreAs?.databaseUrl ?? null;
  if (backend === 'postgres' && !databaseUrl) {
    const schema = await createTestSchema();
    // Registered first, so it runs after the servers on it have closed (teardown runs in reverse).
    t.onTestFinished(() => schema.drop());
    databaseUrl = schema.url;
  }
  const server = await startServer(t, { retentionIntervalMs: 0, ...(databaseUrl ? { databaseUrl } : {}) });
  return { server, token: (await server.login('commander')).token, databaseUrl };
}

/**
 * On instance `a`: an operation of 德清 from `createdAt` to `closedAt` with `fixes` (of its window)
 * in the track, closed and archived; the downloaded file and its fix count.
 */
async function archived(a: Instance, id: string, createdAt: number, closedAt: number, fixes: PositionFix[]) {
  const storage = a.server.ctx.storage;
  await storage.createOperation({
    id,
    name: '旧行动',
    kind: 'search',
    status: 'active',
    stations: [DEQING],
    createdBy: 'u-commander',
    createdAt,
  });
  await storage.appendPositions(fixes);
  await storage.closeOperation(id, closedAt);
  const record = await archiveOp(a.server, a.token, id);
  expect(record.status).toBe(201);
  expect(record.body.counts.fixes).toBe(fixes.length);
  return { file: await download(a.server, a.token, record.body), fixes: record.body.counts.fixes! };
}

const runRetention = async (i: Instance) =>
  (await call<{ run: { dropped: number; thinRemoved: number; unitsTotal: number } }>(
    i.server,
    i.token,
    'POST',
    '/api/retention/run',
  ))!.body.run;

const trackOf = (i: Instance, unitId: string, from: number, to: number) =>
  i.server.ctx.storage.track(DEQING, unitId, from, to, 1_000_000);

describe.each(['sqlite', 'postgres'] as const)('retention of restored operations (%s)', (backend) => {
  it('the hold of a restored closed operation keeps only its window, creation to closing: the station’s fixes before and after it are thinned and dropped', async (t) => {
    const now = Date.now();
    const createdAt = now - 365 * DAY;
    const closedAt = createdAt + 1200_000;
    const a = await start(t, backend);
    const { file } = await archived(a, 'op-2025', createdAt, closedAt, street(UNIT, createdAt, 1201));

    const b = await start(t, backend);
    // Instance B's own fixes of the same car: one second either side of the old window (past the
    // 90-day policy), 100 days ago (past it too) and 10 days ago (past 7 days: to be thinned).
    const edges = [...street(UNIT, createdAt - 1000, 1), ...street(UNIT, closedAt + 1000, 1)];
    await b.server.ctx.storage.appendPositions([...edges, ...street(UNIT, now - 100 * DAY, 300)]);
    await b.server.ctx.storage.appendPositions(street(UNIT, now - 10 * DAY, 600));
    expect((await restore(b.server, b.token, file)).status).toBe(201);

    const run = await runRetention(b);
    expect(run.dropped).toBe(2 + 300);
    expect(await trackOf(b, UNIT, now - 101 * DAY, now - 99 * DAY)).toEqual([]);
    const recent = await trackOf(b, UNIT, now - 11 * DAY, now);
    expect(recent.length).toBeGreaterThanOrEqual(10);
    expect(recent.length).toBeLessThan(600 / 5);
    // The restored window, both edges included, is whole; the fixes a second outside it are gone.
    expect(await trackOf(b, UNIT, createdAt - 1000, closedAt + 1000)).toEqual(street(UNIT, createdAt, 1201));
    expect(await b.server.ctx.storage.operationHold('op-2025')).toMatchObject({ from: createdAt, to: closedAt });

    // Lifting the hold lets the policy take the old window too.
    expect((await call(b.server, b.token, 'PUT', '/api/operations/op-2025/hold', { kept: false })).status).toBe(200);
    expect((await runRetention(b)).dropped).toBe(1201);
    expect(await trackOf(b, UNIT, 0, now - 99 * DAY)).toEqual([]);
  });

  it('a retention run between a restore’s fix batches (on this instance, and on another on the same PostgreSQL store) deletes none of the restored fixes', async (t) => {
    const now = Date.now();
    const createdAt = now - 121 * DAY;
    const a = await start(t, backend);
    const { file, fixes } = await archived(a, 'op-old', createdAt, createdAt + DAY, street(UNIT, createdAt, 3000));

    const b = await start(t, backend);
    const runners = backend === 'postgres' ? [b, await start(t, backend, b)] : [b];
    const storage = b.server.ctx.storage;
    const restoreFixes = storage.restoreFixes.bind(storage);
    const runs: number[] = [];
    let marks: unknown = null;
    // The periodic run lands after the first batch of fixes (1,000) is written, long before the
    // operation row and its hold.
    storage.restoreFixes = async (batch) => {
      const added = await restoreFixes(batch);
      if (runs.length) return added;
      for (const r of runners) runs.push((await runRetention(r)).unitsTotal);
      marks = await storage.restoreMarks();
      return added;
    };
    const restored = await restore(b.server, b.token, file);
    expect(restored.status).toBe(201);
    expect(runs).toEqual(runners.map(() => 1)); // each run saw the unit being restored
    expect(await trackOf(b, UNIT, createdAt, createdAt + DAY)).toHaveLength(fixes);
    expect(marks).toMatchObject([{ operationId: 'op-old', stations: [DEQING] }]);
    expect(await storage.restoreMarks()).toEqual([]);
  });

  it('a restore whose written fixes are not all stored any more fails with CONFLICT, writes no operation and leaves no mark', async (t) => {
    const now = Date.now();
    const createdAt = now - 30 * DAY;
    const a = await start(t, backend);
    const { file } = await archived(a, 'op-lost', createdAt, createdAt + DAY, street(UNIT, createdAt, 1500));

    const b = await start(t, backend);
    const storage = b.server.ctx.storage;
    const restoreFixes = storage.restoreFixes.bind(storage);
    // A deletion the mark did not stop (a run that had read its windows just before the mark).
    storage.restoreFixes = async (batch) => {
      const added = await restoreFixes(batch);
      await storage.dropFixesIn(DEQING, UNIT, createdAt, createdAt + 1, 1);
      return added;
    };
    const refused = await restore(b.server, b.token, file);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'CONFLICT' });
    expect(refused.body.error?.message).toContain('1499 of the archive’s 1500 fixes');
    expect(await storage.getOperation('op-lost')).toBeNull();
    expect(await storage.restoreMarks()).toEqual([]);
    // The fixes it wrote were taken back: nothing of the failed restore is left.
    expect(await trackOf(b, UNIT, createdAt, createdAt + DAY)).toHaveLength(0);

    // Run again (nothing deletes now): whole.
    storage.restoreFixes = restoreFixes;
    const again = await restore(b.server, b.token, file);
    expect(again.status).toBe(201);
    expect((again.body.operation as Operation).id).toBe('op-lost');
    expect(await trackOf(b, UNIT, createdAt, createdAt + DAY)).toHaveLength(1500);
  });

  it('restored fixes of a unit this instance never saw live are dropped once the hold is lifted', async (t) => {
    const now = Date.now();
    const createdAt = now - 365 * DAY;
    const a = await start(t, backend);
    const { file } = await archived(a, 'op-gone', createdAt, createdAt + DAY, street('car-gone', createdAt, 600));

    const b = await start(t, backend);
    expect((await restore(b.server, b.token, file)).status).toBe(201);
    expect(await b.server.ctx.storage.latestPosition(DEQING, 'car-gone')).toBeNull();
    expect((await call(b.server, b.token, 'PUT', '/api/operations/op-gone/hold', { kept: false })).status).toBe(200);
    const run = await runRetention(b);
    expect(run.dropped).toBe(600);
    expect(await trackOf(b, 'car-gone', 0, now)).toEqual([]);
  });
});
