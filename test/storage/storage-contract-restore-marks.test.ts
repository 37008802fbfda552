import { describe, expect, test } from 'vitest';
import { RESTORE_MARK_MAX_MS, type RestoreMark } from '@jointmap/server/storage/restore-marks';
import { backends } from './storage-backends.ts';

const NOW = Date.UTC(2026, 11, 5);

/** A mark of op-a's restore `id`, begun at `startedAt`. */
const mark = (id: string, startedAt = NOW): RestoreMark => ({
  operationId: 'op-a',
  stations: ['s1'],
  from: 100,
  to: 200,
  startedAt,
  id,
});

/**
 * A restore's mark is one row per operation. Storing it used to replace whatever mark the
 * operation had, so two restores that both found none (on two instances, milliseconds apart) both
 * marked, and both went on. The store now takes a mark only where the operation has none, or a dead
 * one, or exactly the one the restore means to replace (a mark this instance's restore left when a
 * stop cut it short), and says whether it did.
 */
describe.each(backends)('storage contract (restore marks): $name', (backend) => {
  test('a mark goes in over no mark, a dead one or exactly the one it replaces; over a live one, or one it did not name, nothing changes', async (t) => {
    const { storage } = await backend.open(t);
    expect(await storage.markRestore(mark('r1'))).toBe(true);
    expect(await storage.restoreMarks()).toEqual([mark('r1')]);

    // Another restore's live mark, even one just begun, is kept.
    expect(await storage.markRestore(mark('r2', NOW + 1))).toBe(false);
    expect(await storage.markRestore(mark('r2', NOW + 1), mark('r0'))).toBe(false);
    expect(await storage.markRestore(mark('r2', NOW + 1), { ...mark('r1'), to: 201 })).toBe(false);
    expect(await storage.restoreMarks()).toEqual([mark('r1')]);

    // The leftover named exactly is replaced.
    expect(await storage.markRestore(mark('r2', NOW + 1), mark('r1'))).toBe(true);
    expect(await storage.restoreMarks()).toEqual([mark('r2', NOW + 1)]);

    // Dead as the new mark begins (RESTORE_MARK_MAX_MS after it began): replaced unnamed; not a moment before.
    expect(await storage.markRestore(mark('r3', NOW + RESTORE_MARK_MAX_MS))).toBe(false);
    expect(await storage.markRestore(mark('r3', NOW + 1 + RESTORE_MARK_MAX_MS))).toBe(true);
    expect(await storage.restoreMarks()).toEqual([mark('r3', NOW + 1 + RESTORE_MARK_MAX_MS)]);
  });

  test('of restores of one operation marking at once (on one instance or, on PostgreSQL, on several), exactly one marks', async (t) => {
    const opened = await backend.open(t);
    const stores = opened.another
      ? [opened.storage, await opened.another(), await opened.another(), await opened.another()]
      : [opened.storage, opened.storage, opened.storage, opened.storage];
    for (let round = 0; round < 5; round++) {
      const at = NOW + round * 2 * RESTORE_MARK_MAX_MS;
      const marks = stores.map((_, i) => mark(`r${round}-${i}`, at));
      const won = await Promise.all(stores.map((s, i) => s.markRestore(marks[i]!)));
      expect(won.filter(Boolean)).toHaveLength(1);
      expect(await opened.storage.restoreMarks()).toEqual([marks[won.indexOf(true)]]);
    }
  });
});
