import { Type, type Static } from '@sinclair/typebox';
import { Id, Label, PolygonGeometry, Timestamp, ringsClosed } from './common.ts';
import { defineRecordKind, keyIsId } from './record-kind.ts';

export const SectorStatus = {
  unassigned: 'unassigned',
  assigned: 'assigned',
  searching: 'searching',
  cleared: 'cleared',
} as const;
export type SectorStatus = keyof typeof SectorStatus;

/**
 * A search sector, written by commanders in the command document, named as searchers say it on the
 * radio (A1, A2 …). Assigned to a station (all its units sweep it) and/or to units.
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
