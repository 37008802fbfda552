import { Type, type Static } from '@sinclair/typebox';
import { Id, Label, UserId, PointGeometry, PolygonGeometry, Timestamp, ringsClosed } from './common.ts';
import { defineRecordKind, keyIsId } from './record-kind.ts';

/** How the missing person (or vehicle) is thought to travel; sets the speed of a generated area. */
export const TravelMode = { foot: 'foot', bicycle: 'bicycle', car: 'car' } as const;
export type TravelMode = keyof typeof TravelMode;

export const SearchStatus = { active: 'active', found: 'found', closed: 'closed' } as const;
export type SearchStatus = keyof typeof SearchStatus;

const FoundSchema = Type.Object(
  {
    location: PointGeometry,
    at: Timestamp,
    /** The unit that found the person, when known. */
    unitId: Type.Union([Id, Type.Null()]),
    stationId: Type.Union([Id, Type.Null()]),
    note: Label(400),
  },
  { additionalProperties: false },
);

/**
 * A joint search for a task, written by commanders in the command document. Its sectors are the
 * `sectors` records naming it (`searchId`) of its current split (`splitId`, see `inCurrentSplit`);
 * coverage is derived on the server from unit tracks.
 */
export const SearchSchema = Type.Object(
  {
    id: Id,
    taskId: Id,
    /** Station (or `command`) that raised the task: where its record lives. */
    taskStationId: Id,
    name: Label(120),
    area: PolygonGeometry,
    /** The last-known point the area was generated from (null when the area was drawn). */
    lastKnown: Type.Union([PointGeometry, Type.Null()]),
    lastSeenAt: Type.Union([Timestamp, Type.Null()]),
    travelMode: Type.Union([...Object.keys(TravelMode).map((k) => Type.Literal(k)), Type.Null()]),
    status: Type.Union(Object.keys(SearchStatus).map((k) => Type.Literal(k))),
    found: Type.Union([FoundSchema, Type.Null()]),
    createdBy: UserId,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    /**
     * The split of the area into sectors in force: each creation of the search writes its own, and
     * its sectors carry it. Two commanders creating a task's search at once write the same search
     * record (the last writer wins) but distinct sectors: only the winner's split counts. Absent on
     * searches written before splits were named (their sectors have none either).
     */
    splitId: Type.Optional(Id),
  },
  { additionalProperties: false },
);
export type Search = Static<typeof SearchSchema> & { status: SearchStatus; travelMode: TravelMode | null };

export const searchKind = defineRecordKind({
  map: 'searches',
  version: 1,
  schema: SearchSchema,
  semantic(s, key) {
    if (!ringsClosed(s.area)) return 'area ring not closed';
    if (s.status === 'found' && s.found === null) return 'a found search needs a found location';
    if (s.status !== 'found' && s.found !== null) return 'only a found search has a found location';
    return keyIsId(s, key);
  },
});
