import { describe, expect, it } from 'vitest';
import type { Sector } from '@jointmap/shared';
import {
  coverageHarness,
  deqingSector,
  expectedCoverage,
  put,
  squareSearch,
  T,
  walk,
} from './coverage-harness.test-support.ts';
import { currentSectors, sectorsOfSearch } from './search-sectors.ts';

const search = squareSearch();
/** Split by jurisdiction: 德清's own sector, no unit named. */
const a1 = deqingSector();

describe('CoverageService: who sweeps a sector, and which split counts', () => {
  it('a drone added to a station’s sector sweeps besides the station’s own units, live and when rebuilt', async () => {
    const h = await coverageHarness('op-cov-assign', { now: T - 450_000 });
    await h.command({ type: 'batch', changes: [put('searches', search), put('sectors', a1)] });
    // 德清's foot patrol (unit-a, named nowhere) sweeps its station's sector.
    const first = walk(30.5203, T - 400_000);
    await h.fixes(first);
    const swept = expectedCoverage(first);
    expect(swept).toBeGreaterThan(0);
    expect(await h.fraction()).toBe(swept);

    // The commander sends a drone to help: the assignment time stays (as the client writes it).
    h.clock.now = T - 300_000;
    const helped: Sector = { ...a1, assignedUnitIds: ['drone-01'], stationWide: true, updatedAt: T - 300_000 };
    await h.command(put('sectors', helped));
    expect(await h.fraction()).toBe(swept);
    // The foot patrol goes on sweeping.
    const second = walk(30.5212, T - 200_000);
    await h.fixes(second);
    expect(await h.fraction()).toBe(expectedCoverage([...first, ...second]));

    // Given to the drone alone (the sector narrowed to it): the foot patrol's fixes drop out.
    const { stationWide: _, ...narrowed } = helped;
    await h.command(put('sectors', narrowed));
    expect(await h.fraction()).toBe(0);
    expect(h.errors).toEqual([]);
  });

  it('counts only the sectors of the search’s current split (another creation’s split is left over)', async () => {
    const h = await coverageHarness('op-cov-split', { now: T - 450_000 });
    // A concurrent creation of the same search split it otherwise; its search record lost.
    const other: Sector = { ...a1, id: 'B1', name: 'A1', splitId: 'split2' };
    const legacy: Sector = { ...a1, id: 'C1', name: 'C1', searchId: null, splitId: undefined } as Sector;
    delete legacy.splitId;
    await h.command({
      type: 'batch',
      changes: [put('searches', search), put('sectors', a1), put('sectors', other), put('sectors', legacy)],
    });
    await h.fixes(walk(30.5203, T - 400_000));
    const sent = (await h.coverage.fullMessage('op-cov-split')).sectors.map((s) => s.sectorId).sort();
    // The current split's sector, and one drawn for the task on its own; not the other split's.
    expect(sent).toEqual(['A1', 'C1']);
    expect(sectorsOfSearch(search, [a1, other, legacy]).map((s) => s.id)).toEqual(['A1', 'C1']);
    expect(currentSectors([a1, other, legacy], [search]).map((s) => s.id)).toEqual(['A1', 'C1']);
    // Records written before splits were named: a search and sectors with no split id.
    const { splitId: _s, ...oldSearch } = search;
    const { splitId: _a, ...oldSector } = a1;
    expect(sectorsOfSearch(oldSearch, [oldSector, other]).map((s) => s.id)).toEqual(['A1']);
    expect(h.errors).toEqual([]);
  });
});
