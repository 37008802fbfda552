import { describe, expect, test } from 'vitest';
import { ArchiveFiles } from '@jointmap/server/archive/archive-files';
import { ArchivePurges } from '@jointmap/server/archive/archive-purges';
import type { AppContext } from '@jointmap/server/services/context';
import type { Operation } from '@jointmap/server/storage/types';
import { backends } from './storage-backends.ts';
import {
  gate,
  holding,
  OP_A,
  OP_B,
  restoreB,
  sharedStation,
  stored,
  timesIn,
  type SharedStation,
} from './purge-restore.test-support.ts';

/** The log lines of a purge: level, message and fields. */
type Logged = { level: string; msg: string; fields: Record<string, unknown> };

/** op-a's purges on instance a (fixes 10 a batch), its log lines kept. */
function purgesOn(s: SharedStation) {
  const lines: Logged[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) => lines.push({ level, msg, fields });
  const log = { info: at('info'), warn: at('warn'), error: at('error') };
  const ctx = { storage: s.a, config: { retentionBatch: 10 }, log } as unknown as AppContext;
  const purges = new ArchivePurges(ctx, new ArchiveFiles({ archiveDir: s.dir, dataDir: s.dir, archiveMaxMib: 64 }));
  return {
    lines,
    /** Ask for op-a's purge (under way: its documents went) again. */
    async resume(): Promise<void> {
      const op = (await s.a.getOperation(OP_A.id)) as Operation;
      return purges.resume(op, s.recordA.id, 'cmd');
    },
  };
}

/**
 * op-a's purge runs while op-b (sharing station s1, windows overlapping 5–9 s) is being restored:
 * its batches leave op-b's window because the restore's mark keeps it. The purge then reported
 * success, so when the restore failed nothing kept those fixes and nothing would delete them: data
 * the purge promised to delete stayed, silently. Now a pass that left fixes only a restore under way
 * keeps stays under way (CONFLICT); asked again, it deletes them or, the restore done, finishes.
 */
describe.each(backends)('a purge that left fixes for a restore under way: $name', (backend) => {
  test('the restore fails: the purge is not finished (409, under way), and asked again deletes the fixes no one shows', async (t) => {
    const s = await sharedStation(t, backend);
    const beforeOperation = gate();
    const restoring = restoreB(s, holding(s.b, 'restoreOperation', beforeOperation, 1, new Error('disk gone')));
    await beforeOperation.reached;
    const purges = purgesOn(s);

    await expect(purges.resume()).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining(`left ${timesIn(5_000, 9_000).length} fixes`) as unknown,
    });
    expect(await s.a.purgesUnderWay()).toEqual([{ operationId: OP_A.id, archiveId: s.recordA.id }]);
    expect(await stored(s.a)).toEqual(timesIn(5_000, 12_000));
    const kept = timesIn(5_000, 9_000).length;
    expect(purges.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        fields: expect.objectContaining({
          fixes: timesIn(1_000, 4_900).length,
          kept,
          keptForRestores: kept,
        }) as unknown,
      }),
    );

    // The restore fails and takes back what it added (9.1–12 s); 5–9 s, op-a's, nothing shows now.
    beforeOperation.release();
    await expect(restoring).rejects.toThrow('disk gone');
    expect(await s.a.getOperation(OP_B.id)).toMatchObject({ purgedAt: expect.any(Number) as unknown });
    expect(await stored(s.a)).toEqual(timesIn(5_000, 9_000));

    await purges.resume();
    expect(await stored(s.a)).toEqual([]);
    expect(await s.a.purgesUnderWay()).toEqual([]);
    expect(purges.lines.at(-1)).toMatchObject({
      level: 'info',
      msg: 'operation purged',
      fields: { fixes: kept, kept: 0, keptForRestores: 0 },
    });
  });

  test('the restore succeeds: asked again, the purge finishes and the restored operation keeps its window', async (t) => {
    const s = await sharedStation(t, backend);
    const beforeOperation = gate();
    const restoring = restoreB(s, holding(s.b, 'restoreOperation', beforeOperation));
    await beforeOperation.reached;
    const purges = purgesOn(s);
    await expect(purges.resume()).rejects.toMatchObject({ code: 'CONFLICT' });

    beforeOperation.release();
    expect(await restoring).toMatchObject({ id: OP_B.id, purgedAt: null });
    await purges.resume();
    expect(await s.a.purgesUnderWay()).toEqual([]);
    expect(await stored(s.a)).toEqual(timesIn(5_000, 12_000));
    expect(purges.lines.at(-1)).toMatchObject({
      msg: 'operation purged',
      fields: { fixes: 0, kept: timesIn(5_000, 9_000).length, keptForRestores: 0 },
    });
  });
});
