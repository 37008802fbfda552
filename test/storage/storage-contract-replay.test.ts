import { describe, expect, test } from 'vitest';
import { backends, mapOf, mapUpdate } from './storage-backends.ts';

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
});
