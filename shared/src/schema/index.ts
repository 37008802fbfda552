import { Type } from '@sinclair/typebox';
import { alertRuleKind } from './alert-rule.ts';
import { annotationKind } from './annotation.ts';
import type { ValidationIssue } from '../errors.ts';
import { compile, issueLine } from './common.ts';
import {
  explainClientOperationMetaChange,
  META_OPERATION_KEY,
  META_SCHEMA_VERSION_KEY,
  operationMetaKind,
} from './operation-meta.ts';
import type { RecordKind } from './record-kind.ts';
import { searchKind } from './search.ts';
import { sectorKind } from './sector.ts';
import { taskResponseKind } from './task-response.ts';
import { taskKind } from './task.ts';
import { unitKind } from './unit.ts';

export * from './common.ts';
export * from './record-kind.ts';
export * from './operation-meta.ts';
export * from './annotation.ts';
export * from './unit.ts';
export * from './task.ts';
export * from './task-response.ts';
export * from './sector.ts';
export * from './search.ts';
export * from './alert-rule.ts';

/** The `stationId` of tasks raised by commanders (they live in the command document). */
export const COMMAND_STATION_ID = 'command';

/** Version of the document layout as a whole; stored in each document's `meta.schemaVersion`. */
export const DOC_SCHEMA_VERSION = 1;

export const DocKind = { command: 'command', station: 'station' } as const;
export type DocKind = keyof typeof DocKind;

/** Which record kinds each document kind holds (besides `meta`), keyed by map name. */
export const RECORD_KINDS: Record<DocKind, Readonly<Record<string, RecordKind<unknown>>>> = {
  command: {
    annotations: annotationKind,
    sectors: sectorKind,
    searches: searchKind,
    /** Tasks a commander raises; their `stationId` is `command`. */
    tasks: taskKind,
    /** Operation-wide alert rules; their `stationId` is `command`. */
    rules: alertRuleKind,
  } as Record<string, RecordKind<unknown>>,
  station: {
    annotations: annotationKind,
    units: unitKind,
    tasks: taskKind,
    responses: taskResponseKind,
    /** The station's own alert rules, for its own units. */
    rules: alertRuleKind,
  } as Record<string, RecordKind<unknown>>,
};

const schemaVersionValidator = compile(Type.Integer({ minimum: 1, maximum: 1000 }));

/** Validate one entry of the `meta` map; null when acceptable. */
export function explainMetaEntry(docKind: DocKind, key: string, value: unknown): string | null {
  return checkMetaEntry(docKind, key, value)?.message ?? null;
}

function checkMetaEntry(docKind: DocKind, key: string, value: unknown): EntryProblem | null {
  if (key === META_SCHEMA_VERSION_KEY) return schemaProblem('meta/schemaVersion', schemaVersionValidator.issue(value));
  if (key === META_OPERATION_KEY && docKind === 'command') {
    const p = schemaProblem('meta/operation', operationMetaKind.validator.issue(value));
    if (p) return p;
    return beyondSchema(operationMetaKind.semantic(value as never, key));
  }
  return beyondSchema(`meta/${key}: unknown meta key`);
}

/**
 * Why a client (over sync) may not change entry `key` of the `meta` map from `before` to `after`
 * (undefined: absent), or null: the document's schema version and the operation's id, status and
 * stations are the server's. The server's own writes (creation, migration, close) are not judged
 * by this; {@link checkEntry} judges every write.
 */
export function explainClientMetaChange(docKind: DocKind, key: string, before: unknown, after: unknown): string | null {
  if (key === META_SCHEMA_VERSION_KEY)
    return before === after ? null : `meta/${META_SCHEMA_VERSION_KEY}: set by the server only`;
  if (key === META_OPERATION_KEY && docKind === 'command') return explainClientOperationMetaChange(before, after);
  return null;
}

/**
 * What is wrong with an entry: the sentence `explainEntry` returns (English, for logs and errors),
 * and, when the schema refused it, the same problem as structure (its path within the entry's
 * value: `/members/3`, keyword, limit) for a client to word itself. No issues: a check beyond the
 * schema refused it (a ring not closed, a foreign station).
 */
export interface EntryProblem {
  message: string;
  issues: ValidationIssue[];
}

const schemaProblem = (where: string, issue: ValidationIssue | null): EntryProblem | null =>
  issue && { message: `${where}${issueLine(issue)}`, issues: [issue] };
const beyondSchema = (message: string | null): EntryProblem | null => (message ? { message, issues: [] } : null);

/** True when documents of `docKind` have a top-level map named `map`. */
export function hasMap(docKind: DocKind, map: string): boolean {
  return map === 'meta' || Object.hasOwn(RECORD_KINDS[docKind], map);
}

/**
 * True when `key` may name an entry of top-level map `map` (a collection, or `meta`) of a
 * `docKind` document; Yjs keeps a key forever once applied, so it is checked before.
 */
export function isEntryKey(docKind: DocKind, map: string, key: string): boolean {
  if (map === 'meta') return key === META_SCHEMA_VERSION_KEY || (docKind === 'command' && key === META_OPERATION_KEY);
  return hasMap(docKind, map) && RECORD_KINDS[docKind][map]!.keyPattern.test(key);
}

/** Collections of a station document whose records name a station: it must be the document's own. */
const STATION_OWNED = new Set(['units', 'tasks', 'responses', 'rules']);

/** Reads another record of the same document (for checks across records). */
export type RecordLookup = (map: string, key: string) => unknown;

/**
 * Validate a value written under `map/key` of a document of `docKind`. With `scope` (the station id
 * of a station document), records that name a station must name this one: a station's document
 * speaks only for that station (DESIGN §3). With `lookup`, checks that need other records of the
 * same document run too: a station's answer may only name units of that station's own roster.
 */
export function explainEntry(
  docKind: DocKind,
  map: string,
  key: string,
  value: unknown,
  scope?: string,
  lookup?: RecordLookup,
): string | null {
  return checkEntry(docKind, map, key, value, scope, lookup)?.message ?? null;
}

/** {@link explainEntry} with the schema's finding as structure too (see {@link EntryProblem}). */
export function checkEntry(
  docKind: DocKind,
  map: string,
  key: string,
  value: unknown,
  scope?: string,
  lookup?: RecordLookup,
): EntryProblem | null {
  if (map === 'meta') return checkMetaEntry(docKind, key, value);
  // Checked on every write of a record: the entry's name is put together only for a problem.
  const issue = hasMap(docKind, map) ? RECORD_KINDS[docKind][map]!.validator.issue(value) : null;
  if (issue) return schemaProblem(`${map}/${key}`, issue);
  return beyondSchema(semanticProblem(docKind, map, key, value, scope, lookup));
}

/** What the checks beyond each record's schema find (a record already of the right shape). */
function semanticProblem(
  docKind: DocKind,
  map: string,
  key: string,
  value: unknown,
  scope?: string,
  lookup?: RecordLookup,
): string | null {
  const kind = hasMap(docKind, map) ? RECORD_KINDS[docKind][map] : undefined;
  if (!kind) return `${map}: not a collection of a ${docKind} document`;
  const semantic = kind.semantic(value, key);
  if (semantic) return `${map}/${key}: ${semantic}`;
  if (docKind === 'station' && scope !== undefined && STATION_OWNED.has(map)) {
    const stationId = (value as { stationId: string }).stationId;
    if (stationId !== scope) return `${map}/${key}: stationId "${stationId}" in the document of ${scope}`;
  }
  if (docKind === 'command' && (map === 'tasks' || map === 'rules')) {
    const stationId = (value as { stationId: string }).stationId;
    if (stationId !== COMMAND_STATION_ID)
      return `${map}/${key}: a command ${map === 'tasks' ? 'task' : 'rule'} has stationId "${COMMAND_STATION_ID}"`;
  }
  if (docKind === 'station' && map === 'rules' && scope !== undefined) {
    const foreign = (value as { units: Array<{ stationId: string; unitId: string }> }).units.find(
      (u) => u.stationId !== scope,
    );
    if (foreign)
      return `rules/${key}: a station rule watches only its own units, not ${foreign.stationId}/${foreign.unitId}`;
  }
  if (docKind === 'station' && map === 'responses' && lookup) {
    const foreign = (value as { unitIds: string[] }).unitIds.find((u) => lookup('units', u) === undefined);
    if (foreign !== undefined) return `responses/${key}: unit "${foreign}" is not in this station's roster`;
  }
  return null;
}
