import { sectorsOfSearch } from '../search/search-sectors.ts';
import { centroid, distance } from '@turf/turf';
import type { Polygon } from 'geojson';
import { stationSweeps, type Search, type Sector, type Task, type Unit } from '@jointmap/shared';

/** What a simulated unit is doing: patrolling, sweeping a sector, or going to a task's location. */
export type Mission =
  | { kind: 'patrol' }
  | { kind: 'sweep'; sectorId: string; polygon: Polygon; sweepWidthM: number }
  | { kind: 'goto'; taskId: string; point: [number, number] };

/** Unit statuses in which a unit assigned to a task works on it. */
const WORKING: ReadonlySet<Unit['status']> = new Set(['en_route', 'on_scene', 'busy']);

/** Equal missions need no new route. */
export function missionKey(m: Mission): string {
  switch (m.kind) {
    case 'patrol':
      return 'patrol';
    case 'sweep':
      return `sweep:${m.sectorId}`;
    case 'goto':
      return `goto:${m.taskId}:${m.point.join(',')}`;
  }
}

/**
 * What a unit should do, read from the documents as a person decided it: a unit assigned to a task
 * with an active search sweeps its sector (one that names it, else the nearest sector of that search
 * its station's units all sweep, by the rule coverage and the console follow: `stationSweeps`, so
 * also a station's sector units were added to); assigned to a task without one, it goes to the
 * task's location (or the centre of its area); anyone else patrols.
 */
export function missionFor(
  unit: Unit | undefined,
  position: [number, number],
  docs: { searches: Iterable<Search>; sectors: Iterable<Sector>; tasks: Iterable<Task> },
): Mission {
  const taskId = unit?.assignedTaskId;
  if (!unit || !taskId || !WORKING.has(unit.status)) return { kind: 'patrol' };
  const active = [...docs.searches].filter((s) => s.taskId === taskId && s.status === 'active');
  if (active.length) {
    // The same rule as coverage uses for which sectors belong to a search.
    const all = [...docs.sectors];
    const sectors = active.flatMap((search) => sectorsOfSearch(search, all)).filter((s) => s.status !== 'cleared');
    const named = sectors.find((s) => s.assignedUnitIds.includes(unit.id));
    const own = sectors
      .filter((s) => s.assignedStationId === unit.stationId && stationSweeps(s))
      .map((s) => ({ s, d: distance(position, centroid(s.polygon)) }))
      .sort((a, b) => a.d - b.d)[0]?.s;
    const sector = named ?? own;
    if (sector) return { kind: 'sweep', sectorId: sector.id, polygon: sector.polygon, sweepWidthM: sector.sweepWidthM };
  }
  const task = [...docs.tasks].find((t) => t.id === taskId);
  const where = task?.location?.coordinates ?? (task?.area ? centroid(task.area).geometry.coordinates : null);
  if (where) return { kind: 'goto', taskId, point: [where[0]!, where[1]!] };
  return { kind: 'patrol' };
}
