import { describe, expect, test } from 'vitest';
import { backends } from './storage-backends.ts';
import { gate, holding, OP_B, purgeA, restoreB, sharedStation, stored, timesIn } from './purge-restore.test-support.ts';

/**
 * op-a and op-b share station s1 and their windows overlap (5–9 s). op-b was purged first (op-a,
 * not purged, kept the overlap), then op-a's purge began, deleting op-a's archived fixes 10 at a
 * time. Restoring op-b meanwhile, on another instance, brings back its fixes 5–12 s; the purge,
 * whose windows were worked out when op-b was still purged, deleted the overlap again after the
 * restore wrote it (after its check that every fix was stored), leaving a restored operation
 * without part of its track. Each batch now leaves what other operations keep when it deletes.
 */
describe.each(backends)('a purge while another operation of its station is restored: $name', (backend) => {
  test('restored between two batches of the purge: the later batches leave the restored operation’s fixes', async (t) => {
    const s = await sharedStation(t, backend);
    const between = gate();
    const purging = purgeA(holding(s.a, 'dropPurgedFixes', between, 2), s);
    await between.reached;
    // The first batch went (1.0–1.9 s), and op-b's purge took 9.1–12 s; op-b comes back whole.
    expect(await stored(s.a)).toEqual(timesIn(2_000, 9_000));
    const op = await restoreB(s, s.b);
    expect(op).toMatchObject({ id: OP_B.id, purgedAt: null, restoredAt: expect.any(Number) as unknown });
    expect(await stored(s.b)).toEqual(timesIn(2_000, 12_000));

    between.release();
    // Only op-a's own fixes went: 1.0–4.9 s; op-b, restored, keeps 5–9 s.
    expect(await purging).toEqual({
      dropped: timesIn(1_000, 4_900).length,
      kept: timesIn(5_000, 9_000).length,
      keptForRestores: 0,
    });
    expect(await stored(s.a)).toEqual(timesIn(5_000, 12_000));
    expect(await stored(s.b)).toEqual(timesIn(5_000, 12_000));
  });

  test('purged while the restore is under way (its fixes written and checked, its operation not yet stored): the purge leaves the restore’s window', async (t) => {
    const s = await sharedStation(t, backend);
    const beforeOperation = gate();
    const restoring = restoreB(s, holding(s.b, 'restoreOperation', beforeOperation));
    await beforeOperation.reached;
    expect(await stored(s.a)).toEqual(timesIn(1_000, 12_000));

    // The whole purge runs while op-b is still purged, its restore marked: what only that restore
    // keeps is told (were it to fail, nothing would keep it).
    const kept = timesIn(5_000, 9_000).length;
    expect(await purgeA(s.a, s)).toEqual({ dropped: timesIn(1_000, 4_900).length, kept, keptForRestores: kept });
    beforeOperation.release();
    expect(await restoring).toMatchObject({ id: OP_B.id, purgedAt: null });
    expect(await stored(s.a)).toEqual(timesIn(5_000, 12_000));
    expect(await stored(s.b)).toEqual(timesIn(5_000, 12_000));
  });
});
