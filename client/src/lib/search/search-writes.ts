import {
  MAX_SEARCH_PAUSES,
  stationSweeps,
  type Change,
  type PolygonGeometry,
  type Search,
  type Sector,
  type SectorStatus,
  type Task,
  type TravelMode,
} from '@jointmap/shared';
import type { Position } from '../map/geometry.ts';
import type { SectorProposal } from './search-geometry.ts';

const ID_OK = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The id of a task's search: derived from the task, so two commanders creating a search for the
 * same task at once write the same search record (the last writer wins) instead of two searches.
 */
export function searchIdFor(taskId: string, random: () => string = randomPart): string {
  const id = `s-${taskId}`;
  return ID_OK.test(id) ? id : `s-${random()}`;
}

/**
 * A new split's id: each creation of a search splits its area anew. Its sectors carry it and the
 * search record names the split in force, so of two concurrent creations (two splits of one
 * search) only the winning record's sectors count, never a mix of both.
 */
export function newSplitId(): string {
  return Math.random().toString(36).slice(2, 8).padEnd(6, '0');
}

/** A sector id within its search: the search id, the split's id and the sector's radio name. */
export function sectorIdFor(
  searchId: string,
  splitId: string,
  name: string,
  random: () => string = randomPart,
): string {
  const id = `${searchId}-${splitId}-${name}`;
  return ID_OK.test(id) ? id : `${searchId.slice(0, 40)}-${random()}`;
}

function randomPart(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

export interface NewSearch {
  task: Pick<Task, 'id' | 'stationId' | 'title'>;
  area: GeoJSON.Polygon | PolygonGeometry;
  lastKnown: Position | null;
  lastSeenAt: number | null;
  travelMode: TravelMode | null;
  sectors: readonly SectorProposal[];
  sweepWidthM: number;
  userId: string;
  now: number;
  /** The split's id (a new one by default, see {@link newSplitId}). */
  splitId?: string;
}

/**
 * The search and its sectors, of a split of their own, as one change of the command document.
 * Jurisdiction sectors start assigned to their station (from now); grid sectors start unassigned.
 */
export function createSearch(input: NewSearch): { search: Search; sectors: Sector[]; change: Change } {
  const { task, now } = input;
  const splitId = input.splitId ?? newSplitId();
  const search: Search = {
    id: searchIdFor(task.id),
    taskId: task.id,
    taskStationId: task.stationId,
    name: task.title.slice(0, 120),
    area: input.area as PolygonGeometry,
    lastKnown: input.lastKnown ? { type: 'Point', coordinates: input.lastKnown } : null,
    lastSeenAt: input.lastSeenAt,
    travelMode: input.travelMode,
    status: 'active',
    found: null,
    createdBy: input.userId,
    createdAt: now,
    updatedAt: now,
    splitId,
  };
  const sectors: Sector[] = input.sectors.map((p) => ({
    id: sectorIdFor(search.id, splitId, p.name),
    name: p.name,
    taskId: task.id,
    searchId: search.id,
    splitId,
    polygon: p.polygon as PolygonGeometry,
    assignedStationId: p.stationId,
    assignedUnitIds: [],
    status: p.stationId ? 'assigned' : 'unassigned',
    sweepWidthM: input.sweepWidthM,
    assignedAt: p.stationId ? now : null,
    updatedAt: now,
  }));
  const change: Change = {
    type: 'batch',
    changes: [
      { type: 'put', map: 'searches', key: search.id, value: search },
      ...sectors.map((s) => ({ type: 'put' as const, map: 'sectors', key: s.id, value: s })),
    ],
  };
  return { search, sectors, change };
}

/**
 * A sector given to a station and/or units. Who sweeps it (`stationSweeps`, the server's
 * `coverageDef`): the named units while on the search's task, and every unit of its station when
 * none is named or when units were added to the station's sector (`stationWide`): sending a drone to
 * a station's sector (split by jurisdiction) adds it to the station's units, it does not narrow the
 * sector to the drone. Units named with a new station assignment narrow it to them.
 *
 * Coverage counts the sweepers' fixes from `assignedAt` on: a new assignment starts it at `now`, but
 * one that only adds units (same station, every unit named before still named) keeps it, so a drone
 * sent to help does not wipe what the station's patrols or the named units have swept. Dropping a
 * unit or changing the station starts it again (a station's sector stays the station's whole while
 * the station stays). With nobody assigned it is unassigned again. A cleared sector stays cleared.
 */
export function assignSector(
  sector: Sector,
  stationId: string | null,
  unitIds: readonly string[],
  now: number,
): Sector {
  const units = [...new Set(unitIds)];
  const anyone = stationId !== null || units.length > 0;
  const sameStation = stationId === sector.assignedStationId;
  const widened =
    sector.assignedAt !== null &&
    (sector.assignedStationId !== null || sector.assignedUnitIds.length > 0) &&
    sameStation &&
    sector.assignedUnitIds.every((u) => units.includes(u));
  const { stationWide: _, ...rest } = sector;
  const wide = stationId !== null && units.length > 0 && sameStation && stationSweeps(sector);
  return {
    ...rest,
    assignedStationId: stationId,
    assignedUnitIds: units,
    ...(wide ? { stationWide: true } : {}),
    assignedAt: anyone ? (widened ? sector.assignedAt : now) : null,
    status: sector.status === 'cleared' ? 'cleared' : anyone ? 'assigned' : 'unassigned',
    updatedAt: now,
  };
}

export function setSectorStatus(sector: Sector, status: SectorStatus, now: number): Sector {
  return { ...sector, status, updatedAt: now };
}

export interface FoundAt {
  location: Position;
  /**
   * When the person was found: a found marker's own time (`foundFromMarker`). Absent (a point
   * picked on the map): when the commander confirms. Never later than the confirmation.
   */
  at?: number;
  unitId: string | null;
  stationId: string | null;
  note: string;
}

/**
 * Ending a search: found (with where) or closed without finding. Returns the change of the
 * command document and, when found, the task closed for the raising document: the same user
 * action writes both. A search ended without finding leaves the task open (it may go on
 * differently). A resumed search is never stamped before its last pause ended.
 */
export function endSearch(
  search: Search,
  task: Task,
  found: FoundAt | null,
  now: number,
): { search: Search; searchChange: Change; taskChange: Change | null } {
  const next: Search = {
    ...search,
    status: found ? 'found' : 'closed',
    found: found
      ? {
          location: { type: 'Point', coordinates: found.location },
          at: Math.min(found.at ?? now, now),
          unitId: found.unitId,
          stationId: found.stationId,
          note: found.note.slice(0, 400),
        }
      : null,
    updatedAt: writeStamp(search, now),
  };
  const closed: Task = { ...task, state: 'closed', updatedAt: now };
  return {
    search: next,
    searchChange: { type: 'put', map: 'searches', key: next.id, value: next },
    taskChange: found ? { type: 'put', map: 'tasks', key: closed.id, value: closed } : null,
  };
}

/**
 * Resuming a search that ended (found or closed) once its task is open again: a find that proved
 * wrong, or a person gone again. Back to active with no found location, on the same split (its
 * sectors, their statuses and assignments, and the sweep so far stay); the span from its end (its
 * last write) to now is recorded as a pause, in which sweep is not the search's (`searchPausedAt`).
 * Past `MAX_SEARCH_PAUSES` the two oldest pauses merge: the sweep between them is left out rather
 * than a pause's patrols counted as sweep. The task is not written: it must have been reopened.
 */
export function resumeSearch(search: Search, now: number): { search: Search; searchChange: Change } {
  // Never before the last pause ended, nor the record stamped before it (the schema refuses both):
  // a clock estimate that stepped back since, or another console's a little behind ours.
  const stamp = writeStamp(search, now);
  const from = Math.max(lastPauseEnd(search), Math.min(search.updatedAt, stamp));
  const pauses = [...(search.pauses ?? []), { from, to: stamp }];
  while (pauses.length > MAX_SEARCH_PAUSES) {
    const [first, second] = pauses.splice(0, 2);
    pauses.unshift({ from: first!.from, to: second!.to });
  }
  const next: Search = { ...search, status: 'active', found: null, pauses, updatedAt: stamp };
  return { search: next, searchChange: { type: 'put', map: 'searches', key: next.id, value: next } };
}

/** Where the search's last pause ended (−∞: it has none). */
function lastPauseEnd(search: Pick<Search, 'pauses'>): number {
  return search.pauses?.at(-1)?.to ?? -Infinity;
}

/**
 * The `updatedAt` of a write of `search` at `now`: never before its last pause ended, which the
 * schema refuses (a pause ends by the record's last write). A clock estimate that stepped back,
 * or another console's slightly behind the one that resumed, would otherwise fail the write.
 */
function writeStamp(search: Pick<Search, 'pauses'>, now: number): number {
  return Math.max(now, lastPauseEnd(search));
}
