import { afterEach, describe, expect, it, vi } from 'vitest';
import { patrol, sweptOperation, T0, TASK } from './replay-coverage.test-support.ts';

const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

const MIN = 60_000;

describe('replayed coverage', () => {
  it('reads the fixes a page per unit at a time, with a turn of the event loop between any two reads', async () => {
    const { storage, at, fraction } = await sweptOperation(closing);
    // Three units, 5,000 fixes each (about 7 h at one every 5 s): more than a page each.
    for (const unit of ['car', 'van', 'bike']) await storage.appendPositions(patrol(unit, T0 + 1_000, 5_000));
    at(T0 + 8 * 3_600_000);
    let turns = 0;
    let counting = true;
    const tick = () => {
      turns++;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);
    const reads: Array<{ limit: number; turns: number }> = [];
    const track = storage.track.bind(storage);
    vi.spyOn(storage, 'track').mockImplementation(async (...args) => {
      reads.push({ limit: args[4], turns });
      return track(...args);
    });
    const { fraction: swept } = await fraction(T0 + 8 * 3_600_000);
    counting = false;
    expect(swept).toBeGreaterThan(0.5);
    expect(reads.length).toBeGreaterThanOrEqual(3 * 3);
    expect(Math.max(...reads.map((r) => r.limit))).toBeLessThanOrEqual(2_000);
    for (let i = 1; i < reads.length; i++) expect(reads[i]!.turns).toBeGreaterThan(reads[i - 1]!.turns);
  });

  it('carries a search’s tracker on to later moments, answering as a replay from the sector’s start; an earlier moment starts again', async () => {
    const { storage, replay, at, fraction, fresh } = await sweptOperation(closing);
    await storage.appendPositions([...patrol('car', T0 + 1_000, 600), ...patrol('van', T0 + 3_000, 600, 80)]);
    at(T0 + 60 * MIN);
    const moments = [T0 + 10 * MIN, T0 + 20 * MIN, T0 + 20 * MIN, T0 + 45 * MIN];
    const answers = [];
    for (const m of moments) {
      const carried = await fraction(m);
      expect(carried).toEqual(await fresh(m));
      answers.push(carried.fraction);
    }
    expect(answers[0]).toBeLessThan(answers[3]!);
    expect(replay.coverages.stats).toEqual({ built: 1, carried: 3 });
    // Back to an earlier moment: from the start again.
    expect(await fraction(T0 + 15 * MIN)).toEqual(await fresh(T0 + 15 * MIN));
    expect(replay.coverages.stats.built).toBe(2);
  });

  it('counts fixes a tracker sent late, dated before the last moment replayed (the carried tracker is not used)', async () => {
    const { storage, replay, at, fraction, fresh } = await sweptOperation(closing);
    // The car sweeps the sector's southern half only, in its first 21 minutes.
    await storage.appendPositions(patrol('car', T0 + 1_000, 250));
    at(T0 + 60 * MIN);
    const first = await fraction(T0 + 30 * MIN);
    // The officer's phone, on the car and out of reach until now, sends its buffered fixes: the
    // northern half, 20–25 min in.
    const north = (f: ReturnType<typeof patrol>[number]) => ({ ...f, lat: f.lat + 0.005 });
    await storage.appendPositions(patrol('car', T0 + 20 * MIN, 60).map((f) => ({ ...north(f), deviceId: 'phone' })));
    const second = await fraction(T0 + 40 * MIN);
    expect(second).toEqual(await fresh(T0 + 40 * MIN));
    expect(second.fraction).toBeGreaterThan(first.fraction + 0.05);
    // A van that never reported before sends its day's fixes late, 26–31 min in, further north.
    const van = patrol('van', T0 + 26 * MIN, 60).map((f) => ({ ...f, lat: f.lat + 0.007 }));
    await storage.appendPositions(van);
    const third = await fraction(T0 + 45 * MIN);
    expect(third).toEqual(await fresh(T0 + 45 * MIN));
    expect(third.fraction).toBeGreaterThan(second.fraction + 0.05);
    expect(replay.coverages.stats).toEqual({ built: 3, carried: 0 });

    // Nothing stored late since: carried on.
    expect(await fraction(T0 + 50 * MIN)).toEqual(await fresh(T0 + 50 * MIN));
    expect(replay.coverages.stats).toEqual({ built: 3, carried: 1 });
  });

  it('a sector naming units: a roster record stored later that reaches back before the last moment is followed', async () => {
    const { storage, replay, at, roster, fraction, fresh } = await sweptOperation(closing, ['car']);
    await storage.appendPositions(patrol('car', T0 + 1_000, 800));
    at(T0 + 60 * MIN);
    // No roster record of the car yet: it counts (nothing known, see UnitTaskHistory).
    const unknown = await fraction(T0 + 30 * MIN);
    expect(unknown.fraction).toBeGreaterThan(0.3);
    // A station console that was offline syncs the car's record, written at T0: on another task.
    await roster('car', 't-elsewhere', T0);
    const after = await fraction(T0 + 40 * MIN);
    expect(after).toEqual(await fresh(T0 + 40 * MIN));
    expect(after.fraction).toBe(0);
    expect(replay.coverages.stats.carried).toBe(0);

    // Sent to the search's task at 50 min (stored then): carried on, counting from then.
    at(T0 + 50 * MIN);
    await roster('car', TASK, T0 + 50 * MIN);
    at(T0 + 60 * MIN);
    const back = await fraction(T0 + 55 * MIN);
    expect(back).toEqual(await fresh(T0 + 55 * MIN));
    expect(back.fraction).toBeGreaterThan(0);
    expect(replay.coverages.stats.carried).toBe(1);
  });
});
