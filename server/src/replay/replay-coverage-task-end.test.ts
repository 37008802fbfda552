import { afterEach, expect, it } from 'vitest';
import { COMMAND_SCOPE, COMMAND_STATION_ID, computeCoverage, lngLat, type Task } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import type { PositionFix } from '../storage/types.ts';
import { patrol, SQUARE, STATION, sweptOperation, T0, TASK } from './replay-coverage.test-support.ts';

const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

const MIN = 60_000;

/** The search's task, the commander's, for the station, in state `state` as written at `updatedAt`. */
const task = (state: Task['state'], updatedAt: number, over: Partial<Task> = {}): Task =>
  fixtures.missingPersonTask({
    ...{ id: TASK, stationId: COMMAND_STATION_ID, targetStations: [STATION], state },
    ...{ createdAt: T0, updatedAt, ...over },
  });

/** The same patrol `dLat` degrees further north (other rows of the sector). */
const north = (fixes: PositionFix[], dLat: number) => fixes.map((f) => ({ ...f, lat: f.lat + dLat }));

/** The sector's coverage by every one of `fixes` (the reference recomputation). */
const swept = (fixes: PositionFix[]) =>
  computeCoverage(
    [{ id: 'A1', polygon: SQUARE, sweepWidthM: 40, accepts: () => true }],
    fixes.map((f) => ({ unitId: f.unitId, stationId: f.stationId, lngLat: lngLat(f.lng, f.lat), time: f.time })),
  ).get('A1')!;

it('counts no sweep driven while the search’s task was closed, and counts again once it was reopened, as the logs grow', async () => {
  const { storage, replay, write, at, fraction, fresh } = await sweptOperation(closing);
  const setTask = (t: Task) => write(COMMAND_SCOPE, (d) => d.getMap('tasks').set(t.id, t));
  await setTask(task('open', T0));
  // The station's patrols through the sector: before the close, while closed, after the reopening.
  const before = patrol('car', T0 + 1_000, 100);
  const whileClosed = north(patrol('van', T0 + 12 * MIN, 100), 0.004);
  const after = north(patrol('bike', T0 + 30 * MIN, 100), 0.007);
  await storage.appendPositions([...before, ...whileClosed, ...after]);

  // The commander closes the task at 10 min (the search stays active); a replay plays at 22 min.
  at(T0 + 10 * MIN);
  await setTask(task('closed', T0 + 10 * MIN));
  at(T0 + 22 * MIN);
  const atClose = await fraction(T0 + 10 * MIN);
  expect(atClose.fraction).toBeGreaterThan(0);
  expect(atClose.fraction).toBeCloseTo(swept(before), 9);
  const closed = await fraction(T0 + 22 * MIN);
  expect(closed).toEqual(await fresh(T0 + 22 * MIN));
  expect(closed.fraction).toBe(atClose.fraction);
  expect(swept([...before, ...whileClosed])).toBeGreaterThan(atClose.fraction + 0.01);

  // Reopened at 25 min: the patrol after it counts, the one while it was closed still does not.
  at(T0 + 25 * MIN);
  await setTask(task('open', T0 + 25 * MIN, { reopenedAt: T0 + 25 * MIN }));
  at(T0 + 60 * MIN);
  const reopened = await fraction(T0 + 45 * MIN);
  expect(reopened).toEqual(await fresh(T0 + 45 * MIN));
  expect(reopened.fraction).toBeCloseTo(swept([...before, ...after]), 9);
  expect(reopened.fraction).toBeGreaterThan(closed.fraction + 0.01);
  expect(swept([...before, ...whileClosed, ...after])).toBeGreaterThan(reopened.fraction + 0.01);
  // A moment inside the closed spell, replayed after the reopening: still without that patrol.
  expect((await fraction(T0 + 22 * MIN)).fraction).toBe(atClose.fraction);
  // The task ends were walked once, then on from the last update read as the log grew.
  expect(replay.taskEnds.stats).toEqual({ walked: 1, wentOn: 1 });
});
