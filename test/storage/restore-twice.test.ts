import { describe, expect, test } from 'vitest';
import { restoreArchive } from '@jointmap/server/archive/archive-restore';
import { sha256OfFile } from '@jointmap/server/archive/archive-writer';
import { RunningRestores } from '@jointmap/server/archive/running-restores';
import { RESTORE_MARK_MAX_MS } from '@jointmap/server/storage/restore-marks';
import { backends } from './storage-backends.ts';
import {
  gate,
  heldAfter,
  holding,
  OP_B,
  restoreB,
  sharedStation,
  stored,
  timesIn,
} from './purge-restore.test-support.ts';

/** A mark of op-b's restore (window 5–12 s) begun `age` ms ago, with mark id `id`. */
const markOfB = (id: string, age = 0) => ({
  operationId: OP_B.id,
  stations: ['s1'],
  from: OP_B.createdAt,
  to: OP_B.closedAt,
  startedAt: Date.now() - age,
  id,
});

const underWay = expect.stringContaining(`a restore of operation ${OP_B.id} is under way`) as unknown;

/**
 * A restore's mark is one row per operation. A second restore of an operation while the first
 * wrote replaced the first one's mark and, failing, removed the only row (the first restore's
 * window unprotected while it still wrote) and took back fixes it had added that the first one
 * counted as stored. A second restore is now refused while a live mark of the operation exists,
 * before it marks or writes anything, unless the mark is one this instance left when a stop cut its
 * restore short. Two restores that both looked before either marked could still both go on: in one
 * process, the second's look could come between the first's mark and its noting the restore as
 * running, and take that mark for a leftover; on two instances, the second mark replaced the first.
 * A restore now claims its operation in this process as it looks, and the store takes a mark only
 * over none, a dead one, or exactly the leftover the restore named.
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

  test('a second restore in this process that looks just after the first one marked, before it went on, is refused and leaves the first one’s mark', async (t) => {
    const s = await sharedStation(t, backend);
    const here = new RunningRestores('here');
    const marked = gate();
    const first = restoreB(s, heldAfter(s.b, 'markRestore', marked), here);
    await marked.reached;
    const [mark] = await s.a.restoreMarks();
    expect(mark?.id).toMatch(/^here\//);

    await expect(restoreB(s, s.a, here)).rejects.toMatchObject({ code: 'CONFLICT', message: underWay });
    expect(await s.a.restoreMarks()).toEqual([mark]);
    marked.release();
    expect(await first).toMatchObject({ id: OP_B.id, purgedAt: null });
    expect(await stored(s.a)).toEqual(timesIn(1_000, 12_000));
    expect(await s.a.restoreMarks()).toEqual([]);
  });

  test('of two restores in this process that both looked before either marked, the second is refused', async (t) => {
    const s = await sharedStation(t, backend);
    const here = new RunningRestores('here');
    const marking = gate();
    const first = restoreB(s, holding(s.b, 'markRestore', marking), here);
    await marking.reached;
    expect(await s.a.restoreMarks()).toEqual([]);

    await expect(restoreB(s, s.a, here)).rejects.toMatchObject({ code: 'CONFLICT', message: underWay });
    expect(await s.a.restoreMarks()).toEqual([]);
    marking.release();
    expect(await first).toMatchObject({ id: OP_B.id, purgedAt: null });
    expect(await stored(s.a)).toEqual(timesIn(1_000, 12_000));
  });

  test('of two restores on two instances that both found no mark, one marks and restores; the other is refused (409) before writing anything, the first one’s mark kept', async (t) => {
    const s = await sharedStation(t, backend);
    const [markingOne, markingTwo, writing] = [gate(), gate(), gate()];
    const first = restoreB(
      s,
      holding(holding(s.b, 'markRestore', markingOne), 'purgesUnderWay', writing),
      new RunningRestores('one'),
    );
    const second = restoreB(s, holding(s.a, 'markRestore', markingTwo), new RunningRestores('two'));
    await Promise.all([markingOne.reached, markingTwo.reached]);
    expect(await s.a.restoreMarks()).toEqual([]);

    // The first marks (and, on the earlier code, looked again and found its own mark), then the second.
    markingOne.release();
    await writing.reached;
    const [mark] = await s.a.restoreMarks();
    expect(mark?.id).toMatch(/^one\//);
    markingTwo.release();
    await expect(second).rejects.toMatchObject({ code: 'CONFLICT', message: underWay });
    expect(await s.a.restoreMarks()).toEqual([mark]);

    writing.release();
    expect(await first).toMatchObject({ id: OP_B.id, purgedAt: null });
    expect(await stored(s.a)).toEqual(timesIn(1_000, 12_000));
    expect(await s.a.restoreMarks()).toEqual([]);
  });

  test('a mark this instance left (its restore cut short by a stop) does not refuse the restore run again; another instance’s does until it is six hours old', async (t) => {
    const s = await sharedStation(t, backend);
    const live = markOfB('elsewhere/r1');
    await s.a.markRestore(live);
    await expect(restoreB(s, s.a, new RunningRestores('here'))).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await s.a.markRestore(markOfB('elsewhere/r1', RESTORE_MARK_MAX_MS + 1_000), live)).toBe(true);
    expect(await restoreB(s, s.a, new RunningRestores('here'))).toMatchObject({ id: OP_B.id, purgedAt: null });
    expect(await s.a.restoreMarks()).toEqual([]);
  });

  test('this instance’s mark begun before this process started (a stop cut its restore short) is replaced; one begun since, by another process with the same tag (one host and DATA_DIR), refuses', async (t) => {
    const s = await sharedStation(t, backend);
    const started = Date.now() - 60_000;
    const since = markOfB('here/r1', 30_000);
    await s.a.markRestore(since);
    await expect(restoreB(s, s.a, new RunningRestores('here', started))).rejects.toMatchObject({
      code: 'CONFLICT',
      message: underWay,
    });
    expect(await s.a.restoreMarks()).toEqual([since]);

    expect(await s.a.markRestore(markOfB('here/r0', 90_000), since)).toBe(true);
    expect(await restoreB(s, s.a, new RunningRestores('here', started))).toMatchObject({ id: OP_B.id, purgedAt: null });
    expect(await s.a.restoreMarks()).toEqual([]);
  });

  test('a mark this process left (its restore failed and so did the mark’s removal) does not refuse the restore run again here', async (t) => {
    const s = await sharedStation(t, backend);
    const here = new RunningRestores('here');
    const open = gate();
    open.release();
    const failing = holding(
      holding(s.a, 'restoreOperation', open, 1, new Error('disk gone')),
      'unmarkRestore',
      open,
      1,
      new Error('link gone'),
    );
    await expect(restoreB(s, failing, here)).rejects.toThrow('link gone');
    expect((await s.a.restoreMarks()).map((m) => m.id)).toEqual([expect.stringMatching(/^here\//)]);
    expect(await restoreB(s, s.a, here)).toMatchObject({ id: OP_B.id, purgedAt: null });
    expect(await s.a.restoreMarks()).toEqual([]);
  });

  test('a restore whose mark was refused, or whose marking failed, lets its operation go: the next restore of it in this process is not refused for it', async (t) => {
    const s = await sharedStation(t, backend);
    const here = new RunningRestores('here');

    // Another instance marks between this restore's look and its mark: the store refuses the mark.
    const marking = gate();
    const refused = restoreB(s, holding(s.a, 'markRestore', marking), here);
    await marking.reached;
    const other = markOfB('elsewhere/r1');
    expect(await s.a.markRestore(other)).toBe(true);
    marking.release();
    await expect(refused).rejects.toMatchObject({ code: 'CONFLICT', message: underWay });
    await s.a.unmarkRestore(other);

    // The store cannot be reached as this restore marks.
    const open = gate();
    open.release();
    await expect(restoreB(s, holding(s.a, 'markRestore', open, 1, new Error('link gone')), here)).rejects.toThrow(
      'link gone',
    );
    expect(await s.a.restoreMarks()).toEqual([]);

    expect(await restoreB(s, s.a, here)).toMatchObject({ id: OP_B.id, purgedAt: null });
    expect(await stored(s.a)).toEqual(timesIn(1_000, 12_000));
    expect(await s.a.restoreMarks()).toEqual([]);
  });

  test('a restore’s mark begins when it is made, after the archive is checked: one asked more than six hours before it marked still holds the operation against another instance', async (t) => {
    const s = await sharedStation(t, backend);
    const before = Date.now();
    // As if checking the archive had taken longer than a mark lives.
    const asked = before - RESTORE_MARK_MAX_MS - 60_000;
    const marked = gate();
    const first = restoreArchive(
      heldAfter(s.b, 'markRestore', marked),
      await s.open(s.fileB),
      'cmd',
      asked,
      () => sha256OfFile(s.fileB),
      new RunningRestores('one'),
    );
    await marked.reached;
    const [mark] = await s.a.restoreMarks();
    expect(mark?.startedAt).toBeGreaterThanOrEqual(before);

    await expect(restoreB(s, s.a, new RunningRestores('two'))).rejects.toMatchObject({
      code: 'CONFLICT',
      message: underWay,
    });
    expect(await s.a.restoreMarks()).toEqual([mark]);
    marked.release();
    expect(await first).toMatchObject({ id: OP_B.id, purgedAt: null, restoredAt: asked });
    expect(await stored(s.a)).toEqual(timesIn(1_000, 12_000));
    expect(await s.a.restoreMarks()).toEqual([]);
  });
});
