import { Type, type Static } from '@sinclair/typebox';
import { Id, Label, PolygonGeometry, Timestamp, ringsClosed } from './common.ts';
import { defineRecordKind } from './record-kind.ts';

export const OperationKind = {
  search: 'search',
  response: 'response',
  monitoring: 'monitoring',
  other: 'other',
} as const;
export type OperationKind = keyof typeof OperationKind;
export const OperationStatus = { active: 'active', closed: 'closed' } as const;
export type OperationStatus = keyof typeof OperationStatus;

/** Stored in the command document's `meta` map under the key `operation`. */
export const OperationMetaSchema = Type.Object(
  {
    id: Id,
    name: Label(120),
    kind: Type.Union(Object.keys(OperationKind).map((k) => Type.Literal(k))),
    status: Type.Union(Object.keys(OperationStatus).map((k) => Type.Literal(k))),
    stations: Type.Array(Id, { minItems: 1, maxItems: 50, uniqueItems: true }),
    area: Type.Union([PolygonGeometry, Type.Null()]),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);
export type OperationMeta = Static<typeof OperationMetaSchema> & {
  kind: OperationKind;
  status: OperationStatus;
};

/** Keys allowed in a document's `meta` map besides per-kind records. */
export const META_SCHEMA_VERSION_KEY = 'schemaVersion';
export const META_OPERATION_KEY = 'operation';

export const operationMetaKind = defineRecordKind({
  map: 'meta',
  version: 1,
  schema: OperationMetaSchema,
  semantic: (meta) => (meta.area && !ringsClosed(meta.area) ? 'area ring not closed' : null),
});
