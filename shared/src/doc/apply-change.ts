import type * as Y from 'yjs';
import { AppError } from '../errors.ts';
import { checkEntry, DOC_SCHEMA_VERSION, hasMap, META_SCHEMA_VERSION_KEY, type DocKind } from '../schema/index.ts';

/** Who made a change; tagged on the Yjs transaction so audit, undo and validation can tell. */
export type ChangeOrigin =
  | { source: 'session'; sessionId: string; userId: string }
  | { source: 'server' }
  | { source: 'import'; userId: string; file: string };

/** A change to one document: records are replaced whole (last writer wins per record). */
export type RecordChange =
  { type: 'put'; map: string; key: string; value: unknown } | { type: 'delete'; map: string; key: string };
export type Change = RecordChange | { type: 'batch'; changes: readonly Change[] };

/**
 * The single entry point for writing a document. Validates every put against the schema of the
 * document kind and applies the whole change in one transaction tagged with `origin`, or throws
 * `AppError(INVALID_PAYLOAD)` and changes nothing. `scope`: the station id of a station document,
 * whose records must name that station.
 *
 * @example
 * applyChange(doc, 'station', { type: 'put', map: 'units', key: u.id, value: u }, origin)
 */
export function applyChange(doc: Y.Doc, docKind: DocKind, change: Change, origin: ChangeOrigin, scope?: string): void {
  const flat = flatten(change);
  // Checks across records see the document as it will be after the whole change.
  const lookup = (map: string, key: string): unknown => {
    for (let i = flat.length - 1; i >= 0; i--) {
      const c = flat[i]!;
      if (c.map === map && c.key === key) return c.type === 'put' ? c.value : undefined;
    }
    return doc.getMap(map).get(key);
  };
  for (const c of flat) {
    if (c.type === 'put') {
      const problem = checkEntry(docKind, c.map, c.key, c.value, scope, lookup);
      if (problem) throw new AppError('INVALID_PAYLOAD', problem.message, problem.issues);
    } else if (!hasMap(docKind, c.map)) {
      throw new AppError('INVALID_PAYLOAD', `${c.map}: not a collection of a ${docKind} document`, []);
    }
  }
  doc.transact(() => {
    for (const c of flat) {
      const map = doc.getMap(c.map);
      if (c.type === 'put') map.set(c.key, c.value);
      else map.delete(c.key);
    }
  }, origin);
}

function flatten(change: Change): RecordChange[] {
  return change.type === 'batch' ? change.changes.flatMap(flatten) : [change];
}

/** Read a record map as a plain object (for tests, export and derived views). */
export function readMap<T = unknown>(doc: Y.Doc, map: string): Map<string, T> {
  return new Map(doc.getMap<T>(map).entries());
}

/** Stamp a fresh document with the current schema version (no-op when already stamped). */
export function initDoc(doc: Y.Doc, origin: ChangeOrigin): void {
  const meta = doc.getMap('meta');
  if (meta.get(META_SCHEMA_VERSION_KEY) === undefined) {
    doc.transact(() => meta.set(META_SCHEMA_VERSION_KEY, DOC_SCHEMA_VERSION), origin);
  }
}
