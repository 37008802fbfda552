import { Type, type Static } from '@sinclair/typebox';
import { Id, Label, Timestamp, UserId } from './common.ts';
import { defineRecordKind } from './record-kind.ts';

export const ResponseStatus = {
  acknowledged: 'acknowledged',
  accepted: 'accepted',
  declined: 'declined',
  on_scene: 'on_scene',
  resolved: 'resolved',
} as const;
export type ResponseStatus = keyof typeof ResponseStatus;

/**
 * A station's answer to a task raised by another station. Lives in the responding station's
 * document, keyed by `<raisingStationId>:<taskId>`, so no two scopes ever write the same key.
 */
export const TaskResponseSchema = Type.Object(
  {
    taskId: Id,
    taskStationId: Id,
    stationId: Id,
    status: Type.Union(Object.keys(ResponseStatus).map((k) => Type.Literal(k))),
    unitIds: Type.Array(Id, { maxItems: 50, uniqueItems: true }),
    note: Label(2000),
    updatedBy: UserId,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);
export type TaskResponse = Static<typeof TaskResponseSchema> & { status: ResponseStatus };

export function responseKey(taskStationId: string, taskId: string): string {
  return `${taskStationId}:${taskId}`;
}

export const taskResponseKind = defineRecordKind({
  map: 'responses',
  version: 1,
  schema: TaskResponseSchema,
  // `taskStationId:taskId` (responseKey)
  keyPattern: /^[A-Za-z0-9_-]{1,64}:[A-Za-z0-9_-]{1,64}$/,
  semantic: (r, key) =>
    key === responseKey(r.taskStationId, r.taskId) ? null : `key must be "${responseKey(r.taskStationId, r.taskId)}"`,
});
