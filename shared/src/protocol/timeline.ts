import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import { compile, Id, Label, Position, Timestamp } from '../schema/common.ts';
import { ResponseStatus } from '../schema/task-response.ts';
import { SearchStatus, TravelMode } from '../schema/search.ts';
import { SectorStatus } from '../schema/sector.ts';
import { TaskPriority, TaskState } from '../schema/task.ts';
import { UnitStatus } from '../schema/unit.ts';
import type { Parsed } from './live.ts';

/**
 * A task's timeline: `GET /api/operations/:id/tasks/:taskId/timeline` → {@link TaskTimeline}.
 * Derived on the server by replaying the stored update log of every document of the operation
 * (never written into documents), so each event carries who (user, session) and when.
 */
export const TimelineEventType = {
  /** The task record appeared (raised by a station or a commander). */
  task_raised: 'task_raised',
  /** Task fields other than its targets and state changed; `detail.fields` names them. */
  task_edited: 'task_edited',
  task_targets_changed: 'task_targets_changed',
  task_closed: 'task_closed',
  task_cancelled: 'task_cancelled',
  /** A closed or cancelled task became open again. */
  task_reopened: 'task_reopened',
  /** The task record was removed from its document. */
  task_deleted: 'task_deleted',
  /** A station answered or changed its answer (status, note and/or reported units). */
  response: 'response',
  /** A station's answer was removed. */
  response_withdrawn: 'response_withdrawn',
  /** A unit's `assignedTaskId` became this task (from no task or from another one). */
  unit_dispatched: 'unit_dispatched',
  /** A unit of this task was moved to another task. */
  unit_reassigned_away: 'unit_reassigned_away',
  /** A unit of this task was released (no task any more) or removed from its roster. */
  unit_released: 'unit_released',
  /** A unit assigned to this task changed status (e.g. en_route → on_scene). */
  unit_status: 'unit_status',
  search_created: 'search_created',
  /** Search fields other than its status changed (area, name, last-known point …). */
  search_edited: 'search_edited',
  search_found: 'search_found',
  search_closed: 'search_closed',
  search_reopened: 'search_reopened',
  /** Sectors of the task (or of its search) appeared; one event per update. */
  sectors_created: 'sectors_created',
  /** A sector's assigned station or units changed. */
  sector_assigned: 'sector_assigned',
  sector_status: 'sector_status',
  sectors_removed: 'sectors_removed',
} as const;
export type TimelineEventType = keyof typeof TimelineEventType;

/** Task fields reported by `task_edited`. */
export const TaskEditedField = {
  title: 'title',
  description: 'description',
  location: 'location',
  area: 'area',
  priority: 'priority',
  nonPolice: 'nonPolice',
} as const;
export type TaskEditedField = keyof typeof TaskEditedField;

/** Search fields reported by `search_edited`. */
export const SearchEditedField = {
  name: 'name',
  area: 'area',
  lastKnown: 'lastKnown',
  lastSeenAt: 'lastSeenAt',
  travelMode: 'travelMode',
} as const;
export type SearchEditedField = keyof typeof SearchEditedField;

const literals = <T extends Record<string, string>>(o: T) => Type.Union(Object.keys(o).map((k) => Type.Literal(k)));
const Ids = Type.Array(Id, { maxItems: 50 });
const NullableId = Type.Union([Id, Type.Null()]);

const base = {
  /** When the server stored the update (epoch ms, server clock). */
  time: Timestamp,
  /** Sequence number of the update in its document's log. */
  seq: Type.Integer({ minimum: 1 }),
  /** The document the update belongs to: `command` or a station id. */
  scope: Id,
  /** Who wrote it; null for the server's own writes (render as “system / 系统”). */
  userId: NullableId,
  /** The account's display name; null when `userId` is null (or the account no longer exists). */
  userName: Type.Union([Type.String(), Type.Null()]),
  sessionId: Type.Union([Type.String(), Type.Null()]),
};

function event<K extends TimelineEventType, D extends TProperties>(type: K, detail: D) {
  return Type.Object(
    { ...base, type: Type.Literal(type), detail: Type.Object(detail, { additionalProperties: false }) },
    { additionalProperties: false },
  );
}

const unitRef = { unitId: Id, callsign: Type.String(), stationId: Id };
const sectorRef = { sectorId: Id, name: Label(60) };

const variants = [
  event('task_raised', {
    stationId: Id,
    title: Type.String(),
    priority: literals(TaskPriority),
    targetStations: Ids,
    nonPolice: Type.Boolean(),
  }),
  event('task_edited', { fields: Type.Array(literals(TaskEditedField)) }),
  event('task_targets_changed', { targetStations: Ids, added: Ids, removed: Ids }),
  event('task_closed', {}),
  event('task_cancelled', {}),
  event('task_reopened', { from: literals(TaskState) }),
  event('task_deleted', {}),
  event('response', {
    stationId: Id,
    status: literals(ResponseStatus),
    /** null: the station's first answer. */
    previousStatus: Type.Union([literals(ResponseStatus), Type.Null()]),
    /** What this update changed about the answer (all three on a first answer with note and units). */
    changed: Type.Array(Type.Union([Type.Literal('status'), Type.Literal('note'), Type.Literal('units')])),
    note: Label(2000),
    unitIds: Ids,
  }),
  event('response_withdrawn', { stationId: Id }),
  event('unit_dispatched', {
    ...unitRef,
    status: literals(UnitStatus),
    /** The task the unit was taken from (a reassignment), null when it had none. */
    fromTaskId: NullableId,
  }),
  event('unit_reassigned_away', { ...unitRef, toTaskId: Id }),
  event('unit_released', {
    ...unitRef,
    /** The unit's new status; null when the unit was removed from the roster. */
    status: Type.Union([literals(UnitStatus), Type.Null()]),
  }),
  event('unit_status', { ...unitRef, status: literals(UnitStatus), previousStatus: literals(UnitStatus) }),
  event('search_created', {
    searchId: Id,
    name: Label(120),
    travelMode: Type.Union([literals(TravelMode), Type.Null()]),
    lastSeenAt: Type.Union([Timestamp, Type.Null()]),
  }),
  event('search_edited', { searchId: Id, fields: Type.Array(literals(SearchEditedField)) }),
  event('search_found', {
    searchId: Id,
    /** WGS-84 [longitude, latitude] of the found marker. */
    location: Position,
    at: Timestamp,
    unitId: NullableId,
    stationId: NullableId,
    note: Label(400),
  }),
  event('search_closed', { searchId: Id }),
  event('search_reopened', { searchId: Id, from: literals(SearchStatus) }),
  event('sectors_created', {
    searchId: NullableId,
    sectors: Type.Array(Type.Object({ ...sectorRef, assignedStationId: NullableId, assignedUnitIds: Ids })),
  }),
  event('sector_assigned', { ...sectorRef, stationId: NullableId, unitIds: Ids }),
  event('sector_status', { ...sectorRef, status: literals(SectorStatus), previousStatus: literals(SectorStatus) }),
  event('sectors_removed', { sectors: Type.Array(Type.Object(sectorRef)) }),
] as const;

export const TimelineEventSchema = Type.Union([...variants]);
type VariantStatic<T> = T extends TObject ? Static<T> : never;
/** One thing that happened to a task; `type` discriminates `detail`. */
export type TimelineEvent = VariantStatic<(typeof variants)[number]>;
/** The `detail` of the event of one type. */
export type TimelineDetail<K extends TimelineEventType> = Extract<TimelineEvent, { type: K }>['detail'];

export const TaskTimelineSchema = Type.Object(
  { taskId: Id, events: Type.Array(TimelineEventSchema) },
  { additionalProperties: false },
);
/** Body of `GET /api/operations/:id/tasks/:taskId/timeline`: events oldest first. */
export interface TaskTimeline {
  taskId: string;
  events: TimelineEvent[];
}

const timelineValidator = compile(TaskTimelineSchema);

/** Validate a timeline response (client side: inbound payloads are checked at the edge). */
export function parseTaskTimeline(value: unknown): Parsed<TaskTimeline> {
  const problem = timelineValidator.explain(value);
  return problem
    ? { ok: false, code: 'INVALID_PAYLOAD', message: `timeline ${problem}` }
    : { ok: true, value: value as TaskTimeline };
}
