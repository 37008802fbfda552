import { Type, type Static } from '@sinclair/typebox';
import { Id, Label, PolygonGeometry, Timestamp, ringsClosed } from './common.ts';
import { defineRecordKind, keyIsId } from './record-kind.ts';
import type { Search } from './search.ts';

export const SectorStatus = {
  unassigned: 'unassigned',
  assigned: 'assigned',
  searching: 'searching',
  cleared: 'cleared',
} as const;
export type SectorStatus = keyof typeof SectorStatus;

/**
 * A search sector, written by commanders in the command document, named as searchers say it on the
 * radio (A1, A2 …). Assigned to a station (all its units sweep it) and/or to units (only they
 * sweep, unless `stationWide`: see `stationSweeps`).
 */
export const SectorSchema = Type.Object(
  {
    id: Id,
    name: Label(60),
    taskId: Type.Union([Id, Type.Null()]),
    polygon: PolygonGeometry,
    assignedStationId: Type.Union([Id, Type.Null()]),
    assignedUnitIds: Type.Array(Id, { maxItems: 50, uniqueItems: true }),
    status: Type.Union(Object.keys(SectorStatus).map((k) => Type.Literal(k))),
    sweepWidthM: Type.Number({ exclusiveMinimum: 0, maximum: 5000 }),
    /** The search the sector belongs to (a sector drawn on its own has none). */
    searchId: Type.Optional(Type.Union([Id, Type.Null()])),
    /** The split of its search that made it (see `Search.splitId`); absent on older sectors. */
    splitId: Type.Optional(Id),
    /**
     * Every unit of the assigned station sweeps it besides the named units (units added to the
     * station's sector, e.g. a drone sent to help). Absent: named units narrow a station's sector
     * to them; with none named every unit of the station sweeps. See `stationSweeps`.
     */
    stationWide: Type.Optional(Type.Boolean()),
    /**
     * When the current assignment was made: only track fixes from then on count towards coverage.
     * Absent or null: every fix of the assigned units since the search began counts.
     */
    assignedAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);
export type Sector = Static<typeof SectorSchema> & { status: SectorStatus };

export const sectorKind = defineRecordKind({
  map: 'sectors',
  version: 1,
  schema: SectorSchema,
  semantic: (s, key) => (ringsClosed(s.polygon) ? keyIsId(s, key) : 'polygon ring not closed'),
});

/**
 * Whether a sector naming `search` is of its current split: made by the creation whose search
 * record is in force (both without a split id: written before splits were named). A sector of
 * another split is left over from a concurrent (or earlier) creation of the same search: lists,
 * the map, coverage and the report leave it out.
 */
export function inCurrentSplit(sector: Pick<Sector, 'splitId'>, search: Pick<Search, 'splitId'>): boolean {
  return (sector.splitId ?? null) === (search.splitId ?? null);
}

/**
 * Whether a sector is left over from a split its search no longer uses: it names a search among
 * `searches` and is not of its current split. Sectors of no search, or of one not (yet) known, are not.
 */
export function supersededSector(
  sector: Pick<Sector, 'searchId' | 'splitId'>,
  searches: ReadonlyMap<string, Pick<Search, 'splitId'>>,
): boolean {
  const search = sector.searchId ? searches.get(sector.searchId) : undefined;
  return search !== undefined && !inCurrentSplit(sector, search);
}

/**
 * Whether every unit of a sector's assigned station sweeps it: with no unit named, or with units
 * added to the station's sector (`stationWide`). Otherwise only the named units do (while on the
 * search's task). The server's coverage and the client's assignment follow this one rule.
 */
export function stationSweeps(sector: Pick<Sector, 'assignedStationId' | 'assignedUnitIds' | 'stationWide'>): boolean {
  return sector.assignedStationId !== null && (sector.assignedUnitIds.length === 0 || sector.stationWide === true);
}
