import type { Static, TSchema } from '@sinclair/typebox';
import { compile, ID_PATTERN, type Validator } from './common.ts';

/**
 * One record kind stored in a top-level `Y.Map` of a document: its schema, a semantic check that
 * JSON schema cannot express, and migrations from older schema versions (keyed by the version they
 * migrate *from*).
 */
export interface RecordKind<T> {
  /** Name of the top-level Y.Map that holds records of this kind. */
  readonly map: string;
  readonly version: number;
  readonly validator: Validator<T>;
  /** Extra rules (closed rings, key equals id, …); returns a problem or null. */
  readonly semantic: (record: T, key: string) => string | null;
  /** What a key of this collection looks like (default: a record id); checked before an update is applied. */
  readonly keyPattern: RegExp;
  readonly migrations: Readonly<Record<number, (old: unknown) => unknown>>;
}

export function defineRecordKind<S extends TSchema>(spec: {
  map: string;
  version: number;
  schema: S;
  semantic?: (record: Static<S>, key: string) => string | null;
  keyPattern?: RegExp;
  migrations?: Record<number, (old: unknown) => unknown>;
}): RecordKind<Static<S>> {
  return {
    map: spec.map,
    version: spec.version,
    validator: compile(spec.schema),
    semantic: spec.semantic ?? (() => null),
    keyPattern: spec.keyPattern ?? new RegExp(ID_PATTERN),
    migrations: spec.migrations ?? {},
  };
}

/** Validate a record stored under `key`; returns null when it is acceptable. */
export function explainRecord<T>(kind: RecordKind<T>, record: unknown, key: string): string | null {
  const problem = kind.validator.explain(record);
  if (problem) return `${kind.map}/${key}${problem}`;
  const semantic = kind.semantic(record as T, key);
  return semantic ? `${kind.map}/${key}: ${semantic}` : null;
}

/** Records keyed by their own id: the key must be the id. */
export function keyIsId(record: { id: string }, key: string): string | null {
  return record.id === key ? null : `key "${key}" differs from id "${record.id}"`;
}
