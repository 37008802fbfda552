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

/** At most this many pauses are kept; past it the two oldest merge (see `resumeSearch` on the client). */
export const MAX_SEARCH_PAUSES = 50;

/** A span in which a search did not run: from when it ended (found or closed) to when it resumed. */
const PauseSchema = Type.Object({ from: Timestamp, to: Timestamp }, { additionalProperties: false });

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
    /**
     * The spans in which the search was ended before it was resumed (a find that proved wrong, a
     * person gone again), oldest first. Sweep inside them is not the search's (see
     * {@link searchPausedAt}). Absent on a search never resumed.
     */
    pauses: Type.Optional(Type.Array(PauseSchema, { maxItems: MAX_SEARCH_PAUSES })),
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
    const pauseProblem = s.pauses ? pausesProblem(s.pauses, s.updatedAt) : null;
    if (pauseProblem) return pauseProblem;
    return keyIsId(s, key);
  },
});

/**
 * What is wrong with a search's pauses, if anything: each must end no earlier than it starts,
 * start no earlier than the one before ended (oldest first, none overlapping; touching is fine:
 * a pause ends where the next run starts), and end by the record's own `updatedAt` (the resume
 * that closed it wrote the record then). Without the last a crafted pause running into the future
 * would keep every fix from sweeping the search's sectors for good.
 */
function pausesProblem(pauses: ReadonlyArray<{ from: number; to: number }>, updatedAt: number): string | null {
  let prevTo = -Infinity;
  for (const p of pauses) {
    if (p.to < p.from) return 'a pause ends before it starts';
    if (p.from < prevTo) return 'pauses out of order or overlapping';
    if (p.to > updatedAt) return 'a pause ends after the search was last written';
    prevTo = p.to;
  }
  return null;
}

/**
 * Whether `time` falls in one of the search's pauses (ended, not yet resumed): fixes then do not
 * sweep its sectors, as they do not while its task has ended.
 */
export function searchPausedAt(search: Pick<Search, 'pauses'>, time: number): boolean {
  return search.pauses?.some((p) => time >= p.from && time < p.to) ?? false;
}
