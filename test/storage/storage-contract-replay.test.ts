import { describe, expect, test } from 'vitest';
import { backends, mapOf, mapUpdate, operation } from './storage-backends.ts';

const AUTHOR = { sessionId: null, userId: null };

/** Replay checkpoints and ranged reads of the update log, on every backend. */
describe.each(backends)('storage contract (replay): $name', (backend) => {
  test('a ranged read gives the updates after a seq stored at or before a time, oldest first', async (t) => {
    const { storage } = await backend.open(t);
    for (let i = 1; i <= 5; i++) await storage.appendUpdate('op/a', mapUpdate(`k${i}`, `v${i}`, i), AUTHOR);
    const log = await storage.readUpdateLog('op/a');
    expect((await storage.readUpdateLogRange('op/a', 2, Number.MAX_SAFE_INTEGER)).map((u) => u.seq)).toEqual([3, 4, 5]);
    expect(await storage.readUpdateLogRange('op/a', 0, log[0]!.time - 1)).toEqual([]);
    const upTo = await storage.readUpdateLogRange('op/a', 0, log[2]!.time);
    expect(upTo).toEqual(log.filter((u) => u.time <= log[2]!.time));
    expect(await storage.readUpdateLogRange('op/none', 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
  });

  test('the checkpoint read is the one with the most updates whose latest time is at or before the moment; a purge of the log drops it', async (t) => {
    const { storage } = await backend.open(t);
    for (let i = 1; i <= 4; i++) await storage.appendUpdate('op1/command', mapUpdate(`k${i}`, `v${i}`, i), AUTHOR);
    const state = (n: number) => mapUpdate(`state${n}`, 'x', 90 + n);
    await storage.saveReplayCheckpoint({ doc: 'op1/command', seq: 2, count: 2, maxTime: 200, state: state(2) });
    await storage.saveReplayCheckpoint({ doc: 'op1/command', seq: 4, count: 4, maxTime: 400, state: state(4) });
    // Kept as is when one at that seq exists; refused for a seq the log does not hold.
    await storage.saveReplayCheckpoint({ doc: 'op1/command', seq: 4, count: 4, maxTime: 400, state: state(9) });
    await storage.saveReplayCheckpoint({ doc: 'op1/command', seq: 7, count: 7, maxTime: 500, state: state(7) });
    expect(await storage.readReplayCheckpoint('op1/command', 199)).toBeNull();
    expect(await storage.readReplayCheckpoint('op1/command', 399)).toMatchObject({ seq: 2, count: 2, maxTime: 200 });
    const newest = await storage.readReplayCheckpoint('op1/command', 10_000);
    expect(newest).toMatchObject({ doc: 'op1/command', seq: 4, count: 4, maxTime: 400 });
    expect(mapOf([newest!.state])).toEqual({ state4: 'x' });
    await storage.purgeOperationDocs('op1', ['op1/command'], 900);
    expect(await storage.readReplayCheckpoint('op1/command', 10_000)).toBeNull();
  });

  test('a span of the log counts the updates after a seq up to a seq, at most a limit, with the last seq and the latest time', async (t) => {
    const { storage } = await backend.open(t);
    // Two documents interleaved: one document's seqs need not be consecutive.
    for (let i = 1; i <= 6; i++) {
      await storage.appendUpdate('op3/command', mapUpdate(`k${i}`, `v${i}`, i), AUTHOR);
      await storage.appendUpdate('op3/other', mapUpdate(`o${i}`, `v${i}`, i), AUTHOR);
    }
    const log = await storage.readUpdateLog('op3/command');
    const span = (from: number, to: number) => ({
      count: to - from,
      lastSeq: log[to - 1]!.seq,
      maxTime: Math.max(...log.slice(from, to).map((u) => u.time)),
    });
    const all = Number.MAX_SAFE_INTEGER;
    expect(await storage.readUpdateLogSpan('op3/command', 0, all, 3)).toEqual(span(0, 3));
    expect(await storage.readUpdateLogSpan('op3/command', log[1]!.seq, log[4]!.seq, all)).toEqual(span(2, 5));
    expect(await storage.readUpdateLogSpan('op3/command', log[1]!.seq, all, all)).toEqual(span(2, 6));
    expect(await storage.readUpdateLogSpan('op3/command', log[5]!.seq, all, all)).toEqual({
      count: 0,
      lastSeq: null,
      maxTime: -Infinity,
    });
    expect((await storage.readUpdateLogSpan('op3/none', 0, all, all)).count).toBe(0);
  });

  test('the heads of logs give each document’s last seq (0: nothing stored), restored and purged logs too', async (t) => {
    const { storage } = await backend.open(t);
    // Interleaved: one document's seqs need not be consecutive.
    for (let i = 1; i <= 3; i++) {
      await storage.appendUpdate('op4/command', mapUpdate(`k${i}`, `v${i}`, i), AUTHOR);
      if (i < 3) await storage.appendUpdate('op4/s1', mapUpdate(`s${i}`, `v${i}`, i), AUTHOR);
    }
    const last = async (doc: string) => (await storage.readUpdateLog(doc)).at(-1)!.seq;
    const heads = await storage.readUpdateLogHeads(['op4/s1', 'op4/none', 'op4/command']);
    expect(Object.fromEntries(heads)).toEqual({
      'op4/command': await last('op4/command'),
      'op4/s1': await last('op4/s1'),
      'op4/none': 0,
    });
    expect((await storage.readUpdateLogHeads([])).size).toBe(0);
    await storage.appendUpdate('op4/s1', mapUpdate('s3', 'v3', 3), AUTHOR);
    expect((await storage.readUpdateLogHeads(['op4/s1'])).get('op4/s1')).toBe(await last('op4/s1'));

    // A restored log (written whole, with no head of its own on PostgreSQL) ends at its last update.
    const updates = [1, 2, 5].map((seq) => ({
      ...{ seq, update: mapUpdate(`r${seq}`, 'x', seq), sessionId: null, userId: null, time: 1_000 + seq },
    }));
    const op = operation('op8', { status: 'closed', closedAt: 9_000, restoredAt: 9_500 });
    await storage.restoreOperation(op, [{ doc: 'op8/command', updates }], { keptBy: 'cmd', keptAt: 9_500 });
    expect((await storage.readUpdateLogHeads(['op8/command'])).get('op8/command')).toBe(5);
    await storage.setOperationHold('op8', null, 9_800);
    expect(await storage.purgeOperationDocs('op8', ['op8/command'], 9_900)).toBe(true);
    expect((await storage.readUpdateLogHeads(['op8/command'])).get('op8/command')).toBe(0);
  });

  test('a page of the log up to a seq reads none stored after it, however large the page', async (t) => {
    const { storage } = await backend.open(t);
    // Interleaved: one document's seqs need not be consecutive.
    for (let i = 1; i <= 5; i++) {
      await storage.appendUpdate('op9/command', mapUpdate(`k${i}`, `v${i}`, i), AUTHOR);
      await storage.appendUpdate('op9/s1', mapUpdate(`s${i}`, `v${i}`, i), AUTHOR);
    }
    const log = await storage.readUpdateLog('op9/command');
    const through = log[2]!.seq;
    expect(await storage.readUpdateLogPage('op9/command', 0, 10, through)).toEqual(log.slice(0, 3));
    expect(await storage.readUpdateLogPage('op9/command', log[0]!.seq, 1, through)).toEqual(log.slice(1, 2));
    expect(await storage.readUpdateLogPage('op9/command', through, 10, through)).toEqual([]);
    expect(await storage.readUpdateLogPage('op9/command', 0, 10, 0)).toEqual([]);
  });

  test('a page of the log gives at most `limit` updates after a seq; stored checkpoints are listed after a seq in seq order', async (t) => {
    const { storage } = await backend.open(t);
    for (let i = 1; i <= 5; i++) await storage.appendUpdate('op2/command', mapUpdate(`k${i}`, `v${i}`, i), AUTHOR);
    const log = await storage.readUpdateLog('op2/command');
    expect(await storage.readUpdateLogPage('op2/command', 0, 2)).toEqual(log.slice(0, 2));
    expect(await storage.readUpdateLogPage('op2/command', 2, 10)).toEqual(log.slice(2));
    expect(await storage.readUpdateLogPage('op2/command', 5, 10)).toEqual([]);
    for (const seq of [4, 2, 3])
      await storage.saveReplayCheckpoint({
        doc: 'op2/command',
        seq,
        count: seq,
        maxTime: seq * 100,
        state: mapUpdate(`s${seq}`, 'x', 90),
      });
    const listed = await storage.readReplayCheckpoints('op2/command', 2, 10);
    expect(listed.map((c) => [c.seq, c.count, c.maxTime])).toEqual([
      [3, 3, 300],
      [4, 4, 400],
    ]);
    expect(mapOf([listed[0]!.state])).toEqual({ s3: 'x' });
    expect((await storage.readReplayCheckpoints('op2/command', 0, 1)).map((c) => c.seq)).toEqual([2]);
  });

  test('a restore stores the checkpoints of the restored log (every 1,000 updates, exact), and a purge drops them', async (t) => {
    const { storage } = await backend.open(t);
    const updates = Array.from({ length: 2_050 }, (_, i) => ({
      seq: i + 1,
      update: mapUpdate(`k${i + 1}`, `v${i + 1}`, i + 1),
      sessionId: null,
      userId: null,
      // Not sorted by time: the latest time among the first 1,000 (and 2,000) is 5,000, at seq 10.
      time: i === 9 ? 5_000 : 1_000 + i,
    }));
    const op = operation('op7', { status: 'closed', closedAt: 9_000, restoredAt: 9_500 });
    await storage.restoreOperation(op, [{ doc: 'op7/command', updates }], { keptBy: 'cmd', keptAt: 9_500 });
    const cps = await storage.readReplayCheckpoints('op7/command', 0, 10);
    expect(cps.map((c) => [c.seq, c.count, c.maxTime])).toEqual([
      [1_000, 1_000, 5_000],
      [2_000, 2_000, 5_000],
    ]);
    for (const c of cps) expect(mapOf([c.state])).toEqual(mapOf(updates.slice(0, c.count).map((u) => u.update)));
    // A restored operation is held as evidence: its documents are purged once the hold is lifted.
    await storage.setOperationHold('op7', null, 9_800);
    expect(await storage.purgeOperationDocs('op7', ['op7/command'], 9_900)).toBe(true);
    expect(await storage.readReplayCheckpoints('op7/command', 0, 10)).toEqual([]);
  });
});
