import { describe, expect, test } from 'vitest';
import { RunningRestores } from '@jointmap/server/archive/running-restores';
import { RESTORE_MARK_MAX_MS } from '@jointmap/server/storage/restore-marks';
import { backends } from './storage-backends.ts';
import { gate, holding, OP_B, restoreB, sharedStation, stored, timesIn } from './purge-restore.test-support.ts';

/** A mark of op-b's restore (window 5–12 s) begun `age` ms ago, with mark id `id`. */
const markOfB = (id: string, age = 0) => ({
  operationId: OP_B.id,
  stations: ['s1'],
  from: OP_B.createdAt,
  to: OP_B.closedAt,
  startedAt: Date.now() - age,
  id,
});

/**
 * A restore's mark is one row per operation. A second restore of an operation while the first
 * wrote replaced the first one's mark and, failing, removed the only row (the first restore's
 * window unprotected while it still wrote) and took back fixes it had added that the first one
 * counted as stored. A second restore is now refused while a live mark of the operation exists,
 * before it marks or writes anything, unless the mark is one this instance left when a stop cut its
 * restore short.
 */
describe.each(backends)('two restores of one operation: $name', (backend) => {
  test('a second restore while the first is under way (in this process or on another instance) is refused (409) and leaves the first one’s mark and work', async (t) => {
    const s = await sharedStation(t, backend);
    const here = new RunningRestores('here');
    const beforeOperation = gate();
    const first = restoreB(s, holding(s.b, 'restoreOperation', beforeOperation), here);
    await beforeOperation.reached;
    const [mark] = await s.a.restoreMarks();
    expect(mark).toMatchObject({ operationId: OP_B.id });

    // Each would fail as it stores its operation (and take back what it added).
    const open = gate();
    open.release();
    for (const running of [here, new RunningRestores('there')])
      await expect(
        restoreB(s, holding(s.a, 'restoreOperation', open, 1, new Error('disk gone')), running),
      ).rejects.toMatchObject({
        code: 'CONFLICT',
        message: expect.stringContaining(`a restore of operation ${OP_B.id} is under way`) as unknown,
      });
    expect(await s.a.restoreMarks()).toEqual([mark]);

    beforeOperation.release();
    expect(await first).toMatchObject({ id: OP_B.id, purgedAt: null });
    expect(await stored(s.a)).toEqual(timesIn(1_000, 12_000));
    expect(await s.a.restoreMarks()).toEqual([]);
  });

  test('a restore whose mark another replaced at once (two begun at the same moment) gives way before writing anything', async (t) => {
    const s = await sharedStation(t, backend);
    const other = markOfB('elsewhere/r9');
    const racing = new Proxy(s.a, {
      get(target, prop) {
        if (prop !== 'markRestore') return Reflect.get(target, prop, target) as unknown;
        return async (m: Parameters<typeof target.markRestore>[0]) => {
          await target.markRestore(m);
          await target.markRestore(other);
        };
      },
    });
    await expect(restoreB(s, racing)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('began at the same moment') as unknown,
    });
    expect(await s.a.restoreMarks()).toEqual([other]);
    expect(await stored(s.a)).toEqual(timesIn(1_000, 9_000));
    expect((await s.a.getOperation(OP_B.id))?.purgedAt).not.toBeNull();
  });

  test('a mark this instance left (its restore cut short by a stop) does not refuse the restore run again; another instance’s does until it is six hours old', async (t) => {
    const s = await sharedStation(t, backend);
    await s.a.markRestore(markOfB('elsewhere/r1'));
    await expect(restoreB(s, s.a, new RunningRestores('here'))).rejects.toMatchObject({ code: 'CONFLICT' });
    await s.a.markRestore(markOfB('elsewhere/r1', RESTORE_MARK_MAX_MS + 1_000));
    expect(await restoreB(s, s.a, new RunningRestores('here'))).toMatchObject({ id: OP_B.id, purgedAt: null });
    expect(await s.a.restoreMarks()).toEqual([]);
  });

  test('this instance’s own mark, of a restore no longer running, is replaced', async (t) => {
    const s = await sharedStation(t, backend);
    await s.a.markRestore(markOfB('here/r0'));
    expect(await restoreB(s, s.a, new RunningRestores('here'))).toMatchObject({ id: OP_B.id, purgedAt: null });
    expect(await s.a.restoreMarks()).toEqual([]);
  });
});
