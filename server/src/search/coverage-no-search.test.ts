import { describe, expect, it } from 'vitest';
import { COMMAND_STATION_ID, type CoverageFix, type Search, type Sector, type Task } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { coverageHarness, DEQING, expectedCoverage, SQUARE, walk } from './coverage-harness.test-support.ts';

const T = 1_760_000_000_000;
const OP = 'op-cov-no-search';

/** A commander's task for 德清, written at `updatedAt` in state `state`. */
const task = (state: Task['state'], updatedAt: number): Task =>
  fixtures.missingPersonTask({ stationId: COMMAND_STATION_ID, targetStations: [DEQING], state, updatedAt });
/** The task's search, created at `at`, with sector A1 given to 德清 as a whole at `at`. */
const searchAt = (at: number) => {
  const search: Search = {
    ...{ id: 'search-1', taskId: 'task-missing', taskStationId: COMMAND_STATION_ID, name: '搜寻', area: SQUARE },
    ...{ lastKnown: null, lastSeenAt: null, travelMode: null, status: 'active', found: null },
    ...{ createdBy: 'u-commander', createdAt: at, updatedAt: at },
  };
  const a1: Sector = {
    ...{ id: 'A1', name: 'A1', taskId: search.taskId, searchId: search.id, polygon: SQUARE, status: 'assigned' },
    ...{ assignedStationId: DEQING, assignedUnitIds: [], assignedAt: at, sweepWidthM: 50, updatedAt: at },
  };
  return {
    type: 'batch' as const,
    changes: [
      { type: 'put' as const, map: 'searches', key: search.id, value: search },
      { type: 'put' as const, map: 'sectors', key: a1.id, value: a1 },
    ],
  };
};
const expected = (fixes: CoverageFix[]) => expectedCoverage(fixes);

async function setup() {
  const h = await coverageHarness(OP, { now: T - 400_000 });
  const at = (now: number) => void (h.clock.now = now);
  return {
    ...h,
    at,
    setTask: (t: Task) => h.command({ type: 'put', map: 'tasks', key: t.id, value: t }),
  };
}

describe('CoverageService: a search added to an operation that had none', () => {
  it('keeps out of a search merged late (drawn offline before its task closed) the time its task was closed', async () => {
    const s = await setup();
    await s.setTask(task('open', T - 400_000));
    s.at(T - 350_000);
    await s.setTask(task('closed', T - 350_000));
    await s.fixes(walk(30.5203, T - 340_000));
    s.at(T - 250_000);
    await s.setTask(task('open', T - 250_000));
    const afterReopen = walk(30.5212, T - 200_000);
    await s.fixes(afterReopen);
    // A command console offline since before the close drew the search then; it arrives now.
    s.at(T - 100_000);
    await s.command(searchAt(T - 380_000));
    expect(await s.fraction()).toBe(expected(afterReopen));
    expect(expected(afterReopen)).toBeGreaterThan(0);
    expect(s.errors).toEqual([]);
  });

  it('counts a search added after those edits from its start, and stops when its task is closed', async () => {
    const s = await setup();
    await s.setTask(task('open', T - 400_000));
    s.at(T - 350_000);
    await s.setTask(task('closed', T - 350_000));
    s.at(T - 340_000);
    await s.setTask(task('open', T - 340_000));
    s.at(T - 300_000);
    await s.command(searchAt(T - 300_000));
    const sweep = walk(30.5203, T - 250_000);
    await s.fixes(sweep);
    expect(await s.fraction()).toBe(expected(sweep));
    expect(expected(sweep)).toBeGreaterThan(0);

    s.at(T - 150_000);
    await s.setTask(task('closed', T - 150_000));
    await s.fixes(walk(30.5212, T - 100_000));
    expect(await s.fraction()).toBe(expected(sweep));
    expect(s.errors).toEqual([]);
  });

  it('counts nothing for a search added to a task closed while there was none, until it is reopened', async () => {
    const s = await setup();
    await s.setTask(task('open', T - 400_000));
    s.at(T - 350_000);
    await s.setTask(task('closed', T - 350_000));
    s.at(T - 300_000);
    await s.command(searchAt(T - 300_000));
    await s.fixes(walk(30.5203, T - 250_000));
    expect(await s.fraction()).toBe(0);

    s.at(T - 150_000);
    await s.setTask({ ...task('open', T - 150_000), reopenedAt: T - 150_000 });
    const after = walk(30.5212, T - 100_000);
    await s.fixes(after);
    expect(await s.fraction()).toBe(expected(after));
    expect(s.errors).toEqual([]);
  });
});
