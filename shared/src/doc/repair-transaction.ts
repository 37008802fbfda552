import * as Y from 'yjs';
import type { ValidationIssue } from '../errors.ts';
import { checkEntry, hasMap, type DocKind, type EntryProblem, type RecordLookup } from '../schema/index.ts';

// Yjs types its shared types by their event type; any shared type will do here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type SharedType = Y.AbstractType<any>;

/**
 * Enforce the schema on a transaction that applied a remote update, before it is committed.
 *
 * Yjs cannot filter an update by content: dropping part of a client's update would leave a gap in
 * its clock, so every later update of that client would stay pending forever. Instead the update
 * is applied and, *in the same transaction*, every entry it made invalid is deleted and the valid
 * value it replaced (if any) is written back. Observers and the relayed/stored update then see
 * only the repaired state: invalid content is never visible, and because deleted content is
 * garbage-collected before the update is encoded, its bytes are neither stored nor relayed. The
 * sending client receives the repair and converges.
 *
 * `scope` is the station id of a station document (records there must name that station).
 * Must be called inside `doc.transact`, after the update was applied. Returns the problems found
 * (empty when the transaction was valid).
 *
 * @example
 * doc.transact((tr) => {
 *   Y.applyUpdate(doc, update);
 *   ({ problems, issues } = repairTransaction(doc, 'station', tr));
 * }, origin);
 */
export function repairTransaction(doc: Y.Doc, docKind: DocKind, tr: Y.Transaction, scope?: string): Repair {
  const problems: string[] = [];
  const issues: ValidationIssue[] = [];
  const lookup: RecordLookup = (m, k) => doc.getMap(m).get(k);
  const changed = [...tr.changed].map(([type, keys]) => [type, [...keys]] as const);
  for (const [type, keys] of changed) {
    if (type._item !== null) {
      // Content inside a nested shared type: remove the top-level entry that holds it.
      const top = topLevelItem(type._item);
      if (!top.deleted) {
        problems.push('nested shared types are not allowed');
        top.delete(tr);
        const previous = valueBefore(top, tr);
        const root = top.parent as SharedType;
        if (previous !== undefined && top.parentSub !== null)
          doc.getMap(Y.findRootTypeKey(root)).set(top.parentSub, previous);
      }
      continue;
    }
    const name = Y.findRootTypeKey(type);
    if (!hasMap(docKind, name)) {
      if (deleteEverything(type, tr)) problems.push(`${name}: not a collection of a ${docKind} document`);
      continue;
    }
    for (const key of keys) {
      if (key === null) {
        if (deleteList(type, tr)) problems.push(`${name}: list content is not allowed`);
        continue;
      }
      const item = type._map.get(key);
      if (!item || item.deleted) continue;
      const problem = checkItem(docKind, name, key, item, scope, lookup);
      if (!problem) continue;
      problems.push(problem.message);
      for (const issue of problem.issues) issues.push({ ...issue, entry: `${name}/${key}` });
      item.delete(tr);
      const previous = valueBefore(item, tr);
      // getMap: a root first seen in a remote update is untyped until somebody asks for a map.
      if (previous !== undefined) doc.getMap(name).set(key, previous);
    }
  }
  return { problems, issues };
}

/** What {@link repairTransaction} removed or restored. */
export interface Repair {
  /** One English sentence per entry (`units/car-01/callsign: Expected …`), for logs and stock clients. */
  problems: string[];
  /**
   * What the schema found wrong with those entries, as structure, each naming its `entry`. Problems
   * beyond the schema (a foreign station, a nested type) add none.
   */
  issues: ValidationIssue[];
}

function checkItem(
  docKind: DocKind,
  map: string,
  key: string,
  item: Y.Item,
  scope: string | undefined,
  lookup: RecordLookup,
): EntryProblem | null {
  const content = item.content;
  if (!(content instanceof Y.ContentAny) || content.arr.length !== 1) {
    return { message: `${map}/${key}: only plain JSON records are allowed`, issues: [] };
  }
  return checkEntry(docKind, map, key, content.arr[0], scope, lookup);
}

/** The valid value the key had before this transaction, if any. */
function valueBefore(item: Y.Item, tr: Y.Transaction): unknown {
  for (let prev = item.left; prev !== null; prev = prev.left) {
    const existedBefore = prev.id.clock < (tr.beforeState.get(prev.id.client) ?? 0);
    const visibleBefore = existedBefore && (!prev.deleted || deletedIn(tr, prev.id));
    if (!visibleBefore) continue;
    const content = prev.content;
    return content instanceof Y.ContentAny && content.arr.length === 1 ? content.arr[0] : undefined;
  }
  return undefined;
}

/** Whether the transaction itself deleted `id` (its delete set is not sorted yet: scan it). */
function deletedIn(tr: Y.Transaction, id: Y.ID): boolean {
  const ranges = tr.deleteSet.clients.get(id.client) ?? [];
  return ranges.some((r) => id.clock >= r.clock && id.clock < r.clock + r.len);
}

function topLevelItem(item: Y.Item): Y.Item {
  let current = item;
  for (;;) {
    const parent = current.parent as SharedType;
    if (parent._item === null) return current;
    current = parent._item;
  }
}

function deleteList(type: SharedType, tr: Y.Transaction): boolean {
  let deleted = false;
  for (let item = type._start; item !== null; item = item.right) {
    if (!item.deleted) {
      item.delete(tr);
      deleted = true;
    }
  }
  return deleted;
}

function deleteEverything(type: SharedType, tr: Y.Transaction): boolean {
  let deleted = deleteList(type, tr);
  for (const item of type._map.values()) {
    if (!item.deleted) {
      item.delete(tr);
      deleted = true;
    }
  }
  return deleted;
}

/** True when an update carries nothing (no structs, no deletions): e.g. a read-only client's sync step 2. */
export function isEmptyUpdate(update: Uint8Array): boolean {
  // An empty v1 update is exactly [0, 0]: zero struct groups, zero delete-set clients.
  return update.length === 2 && update[0] === 0 && update[1] === 0;
}
