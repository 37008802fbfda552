import { Type, type Static } from '@sinclair/typebox';
import { Id, Label, UserId, PointGeometry, PolygonGeometry, Timestamp, ringsClosed } from './common.ts';
import { defineRecordKind, keyIsId } from './record-kind.ts';

export const TaskPriority = { low: 'low', normal: 'normal', high: 'high', urgent: 'urgent' } as const;
export type TaskPriority = keyof typeof TaskPriority;
/** What the raising station says about its own task; the overall status is derived. */
export const TaskState = { open: 'open', cancelled: 'cancelled', closed: 'closed' } as const;
export type TaskState = keyof typeof TaskState;

export const TaskSchema = Type.Object(
  {
    id: Id,
    stationId: Id,
    title: Type.String({ minLength: 1, maxLength: 120 }),
    description: Label(4000),
    location: Type.Union([PointGeometry, Type.Null()]),
    area: Type.Union([PolygonGeometry, Type.Null()]),
    priority: Type.Union(Object.keys(TaskPriority).map((k) => Type.Literal(k))),
    targetStations: Type.Array(Id, { maxItems: 50, uniqueItems: true }),
    state: Type.Union(Object.keys(TaskState).map((k) => Type.Literal(k))),
    /** Non-police calls (双非) are routed to a service team rather than a patrol. */
    nonPolice: Type.Boolean(),
    createdBy: UserId,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    /**
     * When the raising station (or a commander) last reopened the task: answers given before it
     * are history and no longer set the status (`deriveTaskStatus`). Absent or null (records
     * written before reopening was stamped, or never reopened): every answer counts.
     */
    reopenedAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
  },
  { additionalProperties: false },
);
export type Task = Static<typeof TaskSchema> & { priority: TaskPriority; state: TaskState };

export const taskKind = defineRecordKind({
  map: 'tasks',
  version: 1,
  schema: TaskSchema,
  semantic(task, key) {
    if (task.area && !ringsClosed(task.area)) return 'area ring not closed';
    if (task.targetStations.includes(task.stationId)) return 'a station does not target itself';
    return keyIsId(task, key);
  },
});
