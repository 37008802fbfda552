import { describe, expect, test } from 'vitest';
import { RESTORE_MARK_MAX_MS, type RestoreMark } from '@jointmap/server/storage/restore-marks';
import { backends, postgresBackend } from './storage-backends.ts';

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

  test('of restores of one operation marking one after another, the first marks and the rest are refused', async (t) => {
    const { storage } = await backend.open(t);
    for (let round = 0; round < 3; round++) {
      const at = NOW + round * 2 * RESTORE_MARK_MAX_MS;
      const marks = [0, 1, 2, 3].map((i) => mark(`r${round}-${i}`, at + i));
      const won: boolean[] = [];
      for (const m of marks) won.push(await storage.markRestore(m));
      expect(won).toEqual([true, false, false, false]);
      expect(await storage.restoreMarks()).toEqual([marks[0]]);
    }
  });
});

/**
 * Restores marking at once, each from its own instance. Only PostgreSQL has this: a SQLite store
 * is one process's (`lockDataDir` refuses another process, and a worker thread of the same one,
 * the lock file), and there each mark is one synchronous statement, so marks made "at once" in its
 * process run one after another (the case above).
 */
describe('storage contract (restore marks): postgres, several instances', () => {
  test('of restores of one operation marking at once on four instances, exactly one marks', async (t) => {
    const opened = await postgresBackend.open(t);
    const stores = [opened.storage, ...(await Promise.all([1, 2, 3].map(() => opened.another!())))];
    for (let round = 0; round < 5; round++) {
      const at = NOW + round * 2 * RESTORE_MARK_MAX_MS;
      const marks = stores.map((_, i) => mark(`r${round}-${i}`, at));
      const won = await Promise.all(stores.map((s, i) => s.markRestore(marks[i]!)));
      expect(won.filter(Boolean)).toHaveLength(1);
      expect(await opened.storage.restoreMarks()).toEqual([marks[won.indexOf(true)]]);
    }
  });
});
