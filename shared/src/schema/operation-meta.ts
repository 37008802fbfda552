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

/**
 * Fields of the operation's meta only the server writes (creating and closing the operation): a
 * client's change to them over sync is undone. Clients trust `status` (a closed operation is shown
 * read-only), so a client must not make an active one look closed, or a closed one active.
 */
export const OPERATION_META_SERVER_FIELDS = ['id', 'status', 'stations'] as const;

/**
 * Why a client may not turn the operation's meta `before` into `after` (undefined: absent), or
 * null. Its other fields (name, kind, area, times) a client may change, within the schema.
 */
export function explainClientOperationMetaChange(before: unknown, after: unknown): string | null {
  if (before === undefined || after === undefined) {
    if (before === after) return null;
    return `meta/${META_OPERATION_KEY}: only the server ${after === undefined ? 'removes' : 'creates'} it`;
  }
  const was = before as Record<string, unknown>;
  const now = after as Record<string, unknown>;
  const changed = OPERATION_META_SERVER_FIELDS.filter((f) => JSON.stringify(was[f]) !== JSON.stringify(now[f]));
  if (changed.length === 0) return null;
  return `meta/${META_OPERATION_KEY}: ${changed.join(', ')} ${changed.length > 1 ? 'are' : 'is'} set by the server only`;
}
