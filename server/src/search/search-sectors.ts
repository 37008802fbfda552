import type { CoverageSectorDef, Search, Sector, UnitKey } from '@jointmap/shared';

/**
 * The sectors of a search: those naming it by `searchId`, and those of its task that name no
 * search (a sector drawn for the task before the search existed).
 */
export function sectorsOfSearch(search: Search, sectors: Iterable<Sector>): Sector[] {
  const out: Sector[] = [];
  for (const s of sectors) {
    if (s.searchId ? s.searchId === search.id : s.taskId === search.taskId) out.push(s);
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Fixes count for a sector from this time on: its assignment, or the start of the search. */
export function sectorStart(sector: Sector, search: Search): number {
  return sector.assignedAt ?? search.createdAt;
}

/**
 * Whose fixes sweep a sector: its assigned units while they are on the search's task (`onTask`,
 * see `UnitTaskHistory`: a unit sent elsewhere does not sweep on its way), or when it names none
 * every unit of its assigned station; an unassigned sector accepts nothing (stays at 0). Only fixes
 * from {@link sectorStart} on count, and none while the search's task had ended (`taskEnded`, see
 * `TaskEndHistory`: a station's patrols after the task was closed are not sweep).
 */
export function coverageDef(
  sector: Sector,
  search: Search,
  onTask: (unit: UnitKey, taskId: string, time: number) => boolean = () => true,
  taskEnded: (taskId: string, time: number) => boolean = () => false,
): CoverageSectorDef {
  const start = sectorStart(sector, search);
  const units = new Set(sector.assignedUnitIds);
  const station = sector.assignedStationId;
  return {
    id: sector.id,
    polygon: sector.polygon,
    sweepWidthM: sector.sweepWidthM,
    accepts: (u: UnitKey, time: number) =>
      time >= start &&
      !taskEnded(search.taskId, time) &&
      (units.size > 0
        ? units.has(u.unitId) && onTask(u, search.taskId, time)
        : station !== null && u.stationId === station),
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
    if (s.assignedUnitIds.length) for (const u of s.assignedUnitIds) interest.unitIds.add(u);
    else if (s.assignedStationId !== null) interest.stationIds.add(s.assignedStationId);
  }
  return interest;
}

/**
 * What a search's coverage depends on: its start and status, and per sector the polygon, sweep
 * width and assignment. Equal signatures: the tracker can stay; otherwise it is rebuilt.
 */
export function searchSignature(search: Search, sectors: readonly Sector[]): string {
  return JSON.stringify([
    search.createdAt,
    search.status,
    sectors.map((s) => [s.id, s.polygon, s.sweepWidthM, s.assignedStationId, s.assignedUnitIds, s.assignedAt ?? null]),
  ]);
}
