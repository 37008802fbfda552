import { describe, expect, test } from 'vitest';
import { createPgPool } from '@jointmap/server/storage/pg-pool';
import { PgArchiveStore } from '@jointmap/server/storage/pg-archive';
import { PgStorage } from '@jointmap/server/storage/pg-storage';
import { RESTORE_MARK_MAX_MS } from '@jointmap/server/storage/restore-marks';
import type { PositionFix, RestoreMark, Storage } from '@jointmap/server/storage/types';
import { createTestSchema } from '../helpers/pg-schema.ts';
import { hookedPool } from './purge-restore.test-support.ts';
import { backends, fix, operation } from './storage-backends.ts';

/** Fixes of s1/u1 every 100 ms from 100 to 800 (tracker `d`). */
const TIMES = [100, 200, 300, 400, 500, 600, 700, 800];
const purge = { operationId: 'op1', archiveId: 'a1' };
const named = (times: readonly number[]) => times.map((time) => ({ time, deviceId: 'd' }));
/** A batch's answer: deleted, left, left only for restores under way. */
const batch = (dropped: number, kept: number, keptForRestores: number) => ({ dropped, kept, keptForRestores });
const left = async (storage: Storage, stationId = 's1') =>
  (await storage.track(stationId, 'u1', 0, 1_000, 100)).map((f: PositionFix) => f.time);

/**
 * op1 (s1, 100–800) purged with archive a1 and its fixes not yet deleted; op2 (s1, 300–500)
 * purged before it, so op1's purge, when it started, had no other operation to leave fixes for.
 */
async function purgeUnderWay(storage: Storage): Promise<void> {
  for (const [id, createdAt, closedAt] of [
    ['op1', 100, 800],
    ['op2', 300, 500],
  ] as const) {
    await storage.createOperation(operation(id, { stations: ['s1'], createdAt }));
    expect(await storage.closeOperation(id, closedAt)).toBe(true);
  }
  await storage.appendPositions([...TIMES.map((t) => fix('s1', 'u1', t, 'd')), fix('s2', 'u1', 400, 'd')]);
  expect(await storage.purgeOperationDocs('op2', ['op2/command'], 850, 'a2')).toBe(true);
  await storage.finishPurge('op2', 'a2');
  expect(await storage.purgeOperationDocs('op1', ['op1/command'], 900, 'a1')).toBe(true);
}

const op2Mark = { operationId: 'op2', stations: ['s1'], from: 300, to: 500, startedAt: Date.now(), id: 'r2' };
const restoredOp2 = operation('op2', {
  status: 'closed',
  stations: ['s1'],
  createdAt: 300,
  closedAt: 500,
  restoredAt: 990,
});

/**
 * A purge deletes the fixes its archive holds, less those in the windows of other operations of
 * the station that were not purged when it started. Another operation sharing the station could be
 * restored meanwhile: its fixes written again (the same keys), and the purge's next batches deleted
 * them. Each batch now leaves, in its transaction, what other operations keep at that moment.
 */
describe.each(backends)('storage contract (a purge batch leaves what others keep): $name', (backend) => {
  test('while another operation of the station is being restored (its mark), and once it is restored, a batch leaves the fixes in its window; not another station’s, nor for a mark of another station', async (t) => {
    const { storage } = await backend.open(t);
    await purgeUnderWay(storage);

    await storage.markRestore(op2Mark);
    // A restore of an operation of another station only, over the whole window: nothing to leave.
    const far = { operationId: 'op3', stations: ['s2'], from: 0, to: 1_000, startedAt: Date.now(), id: 'r3' };
    await storage.markRestore(far);
    expect(await storage.dropPurgedFixes(purge, 's1', 'u1', named([100, 200, 300, 400]))).toEqual(batch(2, 2, 2));
    expect(await left(storage)).toEqual([300, 400, 500, 600, 700, 800]);

    // Restored: the operation keeps its window once its mark is gone.
    await storage.restoreOperation(restoredOp2, [{ doc: 'op2/command', updates: [] }], { keptBy: 'cmd', keptAt: 990 });
    await storage.unmarkRestore(op2Mark);
    expect(await storage.dropPurgedFixes(purge, 's1', 'u1', named([500, 600]))).toEqual(batch(1, 1, 0));
    expect(await left(storage)).toEqual([300, 400, 500, 700, 800]);

    // Only s1's fixes are kept for op2; op3's mark keeps nothing of s1.
    await storage.unmarkRestore(far);
    expect(await storage.dropPurgedFixes(purge, 's2', 'u1', named([400]))).toEqual(batch(1, 0, 0));
    expect(await left(storage, 's2')).toEqual([]);
    expect(await storage.dropPurgedFixes(purge, 's1', 'u1', named([700, 800]))).toEqual(batch(2, 0, 0));
    expect(await left(storage)).toEqual([300, 400, 500]);
  });

  test('a restore mark older than RESTORE_MARK_MAX_MS (its restore was killed mid-way) keeps nothing, as for the retention job; one just younger keeps its window', async (t) => {
    const { storage } = await backend.open(t);
    await purgeUnderWay(storage);
    const dead = { ...op2Mark, startedAt: Date.now() - RESTORE_MARK_MAX_MS - 60_000 };
    await storage.markRestore(dead);
    expect(await storage.dropPurgedFixes(purge, 's1', 'u1', named([100, 200, 300, 400]))).toEqual(batch(4, 0, 0));
    await storage.markRestore({ ...op2Mark, startedAt: Date.now() - RESTORE_MARK_MAX_MS + 60_000 }, dead);
    expect(await storage.dropPurgedFixes(purge, 's1', 'u1', named([500, 600, 700, 800]))).toEqual(batch(3, 1, 1));
    expect(await left(storage)).toEqual([500]);
  });

  test('an active operation of the station keeps everything from its start', async (t) => {
    const { storage } = await backend.open(t);
    await purgeUnderWay(storage);
    await storage.createOperation(operation('op4', { stations: ['s1'], createdAt: 650 }));
    expect(await storage.dropPurgedFixes(purge, 's1', 'u1', named(TIMES))).toEqual(batch(6, 2, 0));
    expect(await left(storage)).toEqual([700, 800]);
  });
});

describe('a purge batch on PostgreSQL, and a restore of another operation on another instance', () => {
  test('a restore marked after the batch looked for marks, whose fixes the batch then deletes, makes the batch roll back and leave them', async (t) => {
    const schema = await createTestSchema(t);
    // Instance b restores; instance a purges, its batch held just before it deletes.
    const b = await PgStorage.open(schema.url);
    t.onTestFinished(() => b.close());
    await purgeUnderWay(b);
    const pool = createPgPool(schema.url, () => undefined);
    t.onTestFinished(() => pool.end());
    let deletes = 0;
    const a = new PgArchiveStore(
      hookedPool(pool, async (sql) => {
        if (!sql.startsWith('DELETE FROM positions_track t USING unnest') || deletes++) return;
        // The batch has read that nothing keeps these fixes. op2's restore starts on b now, marks its
        // window, writes its fixes (300–500 are still stored: written once, as the store keeps
        // them) and finds them all stored.
        await b.markRestore(op2Mark);
        expect(await b.restoreFixes([300, 400, 500].map((time) => fix('s1', 'u1', time, 'd')))).toEqual([]);
      }),
    );

    expect(await a.dropPurgedFixes(purge, 's1', 'u1', named(TIMES))).toEqual(batch(5, 3, 3));
    expect(deletes).toBe(2);
    expect(await left(b)).toEqual([300, 400, 500]);
    await b.restoreOperation(restoredOp2, [{ doc: 'op2/command', updates: [] }], { keptBy: 'cmd', keptAt: 990 });
    await b.unmarkRestore(op2Mark);
    expect(await left(b)).toEqual([300, 400, 500]);
  });

  test('restores marked during each of its five tries make the batch give up with CONFLICT, deleting nothing; the purge stays under way and, asked again, deletes', async (t) => {
    const schema = await createTestSchema(t);
    const b = await PgStorage.open(schema.url);
    t.onTestFinished(() => b.close());
    await purgeUnderWay(b);
    const pool = createPgPool(schema.url, () => undefined);
    t.onTestFinished(() => pool.end());
    const marks: RestoreMark[] = [];
    let marking = true;
    const a = new PgArchiveStore(
      hookedPool(pool, async (sql) => {
        if (!marking || !sql.startsWith('DELETE FROM positions_track t USING unnest')) return;
        // Each try has read what others keep; a restore of yet another operation now marks the
        // first fix this try deletes, which its second look then finds deleted.
        const time = TIMES[marks.length]!;
        const n = marks.push({
          operationId: `op-r${time}`,
          stations: ['s1'],
          from: time,
          to: time,
          startedAt: Date.now(),
          id: `r${time}`,
        });
        await b.markRestore(marks[n - 1]!);
      }),
    );

    await expect(a.dropPurgedFixes(purge, 's1', 'u1', named(TIMES))).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('ask for it again') as unknown,
    });
    expect(marks.map((m) => m.from)).toEqual([100, 200, 300, 400, 500]);
    expect(await left(b)).toEqual(TIMES);
    expect(await b.purgesUnderWay()).toContainEqual(purge);

    // The restores ended without their operations (failed): asked again, the batch deletes all.
    marking = false;
    for (const m of marks) await b.unmarkRestore(m);
    expect(await a.dropPurgedFixes(purge, 's1', 'u1', named(TIMES))).toEqual(batch(8, 0, 0));
    expect(await left(b)).toEqual([]);
  });
});
