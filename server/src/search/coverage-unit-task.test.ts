import { describe, expect, it } from 'vitest';
import { type CoverageFix, type Search, type Sector, type Unit } from '@jointmap/shared';
import { coverageHarness, DEQING, expectedCoverage, SQUARE, walk } from './coverage-harness.test-support.ts';

const T = 1_760_000_000_000;
const OP = 'op-cov-task';
const TASK = 'task-missing';

const search: Search = {
  ...{ id: 'search-1', taskId: TASK, taskStationId: 'linping-yunhe', name: '搜寻', area: SQUARE },
  ...{ lastKnown: null, lastSeenAt: null, travelMode: null, status: 'active', found: null },
  ...{ createdBy: 'u-commander', createdAt: T - 600_000, updatedAt: T - 600_000 },
};
const a1: Sector = {
  ...{ id: 'A1', name: 'A1', taskId: TASK, searchId: search.id, polygon: SQUARE, status: 'searching' },
  ...{ assignedStationId: null, assignedUnitIds: ['unit-a'], assignedAt: T - 300_000 },
  ...{ sweepWidthM: 50, updatedAt: T - 300_000 },
};
const unit = (assignedTaskId: string | null, updatedAt: number): Unit => ({
  ...{ id: 'unit-a', callsign: '禹越巡01', kind: 'car', stationId: DEQING, members: [], deviceIds: [] },
  ...{ status: assignedTaskId ? 'en_route' : 'available', assignedTaskId, updatedAt },
});
const expected = (s: Sector, fixes: CoverageFix[]) => expectedCoverage(fixes, s);

async function setup() {
  const h = await coverageHarness(OP, { now: T - 400_000 });
  return { ...h, roster: (u: Unit) => h.write(DEQING, 'station', { type: 'put', map: 'units', key: u.id, value: u }) };
}

describe('CoverageService and the units of a sector', () => {
  it('counts a sector unit’s fixes only while its roster record has it on the search’s task, live and when rebuilt', async () => {
    const s = await setup();
    // 禹越巡01 is sent to the search's task; the commander gives it A1.
    await s.roster(unit(TASK, T - 400_000));
    await s.command({
      type: 'batch',
      changes: [
        { type: 'put', map: 'searches', key: search.id, value: search },
        { type: 'put', map: 'sectors', key: a1.id, value: a1 },
      ],
    });
    const sweep = walk(30.5203, T - 250_000);
    await s.fixes(sweep);
    const swept = expected(a1, sweep);
    expect(swept).toBeGreaterThan(0);
    expect(await s.fraction()).toBe(swept);

    // Its station sends it to another task: driving there through A1 is not sweep.
    s.clock.now = T - 150_000;
    await s.roster(unit('task-other', T - 150_000));
    const transit = walk(30.5212, T - 100_000);
    await s.fixes(transit);
    expect(expected(a1, [...sweep, ...transit])).toBeGreaterThan(swept);
    expect(await s.fraction()).toBe(swept);

    // Rebuilt from the stored tracks (a wider sweep): still only what it swept while on the task.
    const wider = { ...a1, sweepWidthM: 80 };
    await s.command({ type: 'put', map: 'sectors', key: a1.id, value: wider });
    expect(await s.fraction()).toBe(expected(wider, sweep));

    // Back on the search's task: its fixes count again.
    s.clock.now = T - 40_000;
    await s.roster(unit(TASK, T - 40_000));
    const back = walk(30.5212, T - 30_000);
    await s.fixes(back);
    expect(await s.fraction()).toBeGreaterThan(expected(wider, sweep));
    expect(s.errors).toEqual([]);
  });
});
