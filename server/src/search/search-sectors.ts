import {
  inCurrentSplit,
  searchPausedAt,
  stationSweeps,
  supersededSector,
  type CoverageSectorDef,
  type Search,
  type Sector,
  type UnitKey,
} from '@jointmap/shared';

/**
 * The sectors of a search: those naming it by `searchId` of its current split (`inCurrentSplit`: a
 * concurrent creation's other split is left out), and those of its task that name no search (a
 * sector drawn for the task before the search existed).
 */
export function sectorsOfSearch(search: Search, sectors: Iterable<Sector>): Sector[] {
  const out: Sector[] = [];
  for (const s of sectors) {
    if (s.searchId ? s.searchId === search.id && inCurrentSplit(s, search) : s.taskId === search.taskId) out.push(s);
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The sectors of a command document that count: all but those of a split their search no longer uses. */
export function currentSectors(sectors: Iterable<Sector>, searches: Iterable<Search>): Sector[] {
  const byId = new Map([...searches].map((s) => [s.id, s]));
  return [...sectors].filter((s) => !supersededSector(s, byId));
}

/** Fixes count for a sector from this time on: its assignment, or the start of the search. */
export function sectorStart(sector: Sector, search: Search): number {
  return sector.assignedAt ?? search.createdAt;
}

/**
 * Whose fixes sweep a sector: its named units while they are on the search's task (`onTask`, see
 * `UnitTaskHistory`: a unit sent elsewhere does not sweep on its way), and every unit of its
 * assigned station when `stationSweeps` (none named, or units added to the station's sector: the
 * client's `assignSector` keeps `assignedAt` then); an unassigned sector accepts nothing (stays at
 * 0). Only fixes from {@link sectorStart} on count, and none while the search's task had ended
 * (`taskEnded`, see `TaskEndHistory`: a station's patrols after the task was closed are not sweep)
 * nor while the search itself was stopped before a resume (`pauses`, see `searchPausedAt`).
 */
export function coverageDef(
  sector: Sector,
  search: Search,
  onTask: (unit: UnitKey, taskId: string, time: number) => boolean = () => true,
  taskEnded: (taskId: string, time: number) => boolean = () => false,
): CoverageSectorDef {
  const start = sectorStart(sector, search);
  const units = new Set(sector.assignedUnitIds);
  const station = stationSweeps(sector) ? sector.assignedStationId : null;
  return {
    id: sector.id,
    polygon: sector.polygon,
    sweepWidthM: sector.sweepWidthM,
    accepts: (u: UnitKey, time: number) =>
      time >= start &&
      !taskEnded(search.taskId, time) &&
      !searchPausedAt(search, time) &&
      ((station !== null && u.stationId === station) || (units.has(u.unitId) && onTask(u, search.taskId, time))),
  };
}

/** Units and stations whose fixes can change a search's coverage. */
export interface SearchInterest {
  unitIds: Set<string>;
  stationIds: Set<string>;
}

export function searchInterest(sectors: readonly Sector[]): SearchInterest {
  const interest: SearchInterest = { unitIds: new Set(), stationIds: new Set() };
  for (const s of sectors) {
    for (const u of s.assignedUnitIds) interest.unitIds.add(u);
    if (stationSweeps(s)) interest.stationIds.add(s.assignedStationId!);
  }
  return interest;
}

/**
 * What a search's coverage depends on: its start, status and pauses, and per sector the polygon, sweep
 * width and assignment. Equal signatures: the tracker can stay; otherwise it is rebuilt.
 */
export function searchSignature(search: Search, sectors: readonly Sector[]): string {
  return JSON.stringify([
    search.createdAt,
    search.status,
    search.pauses ?? [],
    sectors.map((s) => [
      ...[s.id, s.polygon, s.sweepWidthM, s.assignedStationId, s.assignedUnitIds, s.assignedAt ?? null],
      stationSweeps(s),
    ]),
  ]);
}
