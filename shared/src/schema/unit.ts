import { Type, type Static } from '@sinclair/typebox';
import { DeviceId, Id, Label, Timestamp } from './common.ts';
import { defineRecordKind, keyIsId } from './record-kind.ts';

export const UnitKind = {
  car: 'car',
  foot: 'foot',
  motorbike: 'motorbike',
  drone: 'drone',
  dog: 'dog',
  boat: 'boat',
} as const;
export type UnitKind = keyof typeof UnitKind;
export const UnitStatus = {
  available: 'available',
  en_route: 'en_route',
  on_scene: 'on_scene',
  busy: 'busy',
  off_duty: 'off_duty',
} as const;
export type UnitStatus = keyof typeof UnitStatus;

export const UnitSchema = Type.Object(
  {
    id: Id,
    callsign: Type.String({ minLength: 1, maxLength: 40 }),
    kind: Type.Union(Object.keys(UnitKind).map((k) => Type.Literal(k))),
    stationId: Id,
    members: Type.Array(Label(40), { maxItems: 20 }),
    status: Type.Union(Object.keys(UnitStatus).map((k) => Type.Literal(k))),
    assignedTaskId: Type.Union([Id, Type.Null()]),
    deviceIds: Type.Array(DeviceId, { maxItems: 8, uniqueItems: true }),
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);
export type Unit = Static<typeof UnitSchema> & { kind: UnitKind; status: UnitStatus };

export const unitKind = defineRecordKind({
  map: 'units',
  version: 1,
  schema: UnitSchema,
  semantic: keyIsId,
});
