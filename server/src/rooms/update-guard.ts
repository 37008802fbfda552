import * as Y from 'yjs';
import {
  explainClientMetaChange,
  hasMap,
  isEntryKey,
  repairTransaction,
  type ChangeOrigin,
  type DocKind,
  type ValidationIssue,
} from '@jointmap/shared';
import { deletionsUpdate, replaceWithGc, scanUpdate, type RootEntry, type UpdateScan } from './update-scan.ts';

/**
 * Checks a room makes on an update before and after applying it, for what the schema repair
 * (`repairTransaction`) cannot undo: Yjs keeps a removed entry's map key and its root's name forever,
 * and holds an update with a gap before it as pending, unchecked, until the gap is filled.
 */

/** At most this much of a refused name or key is quoted back. */
const QUOTE_CHARS = 40;
const quote = (s: string) => JSON.stringify(s.length > QUOTE_CHARS ? `${s.slice(0, QUOTE_CHARS)}…` : s);

/** What a room does with a client's update, decided before anything is applied. */
export type Screening =
  /** Nothing new (an empty update, or a reader's sync step 2): accepted silently, nothing stored. */
  | { type: 'ignore' }
  /**
   * Apply `update`: the client's, or a copy in which misplaced entries were replaced by GC structs
   * (`problems` says which; `removed` deletes them from the sender's document).
   */
  | { type: 'apply'; update: Uint8Array; problems: readonly string[]; removed: Uint8Array | null }
  | { type: 'forbidden' }
  /** Not a decodable update at all (the connection is closed). */
  | { type: 'malformed'; message: string };

/**
 * Screen a client's update. A reader's update is ignored when it carries nothing the document
 * lacks (the stock client's sync step 2 always carries its delete set) and forbidden otherwise. A
 * writer's must be decodable; its entries outside the schema's names and keys
 * ({@link explainPlacement}) are replaced by GC structs before it is applied.
 */
export function screenUpdate(doc: Y.Doc, kind: DocKind, update: Uint8Array, canWrite: boolean): Screening {
  let scan: UpdateScan;
  try {
    scan = scanUpdate(update);
  } catch (err) {
    if (!canWrite) return { type: 'forbidden' };
    return { type: 'malformed', message: `malformed update: ${(err as Error).message}` };
  }
  if (!canWrite) return isKnownTo(doc, scan) ? { type: 'ignore' } : { type: 'forbidden' };
  if (scan.ends.size === 0 && scan.deletes.length === 0) return { type: 'ignore' };
  // Made only when some entry is misplaced (almost never): nothing more per update.
  let misplaced: RootEntry[] | null = null;
  let problems: string[] | null = null;
  for (const entry of scan.rootEntries) {
    const problem = explainPlacement(entry, kind);
    if (problem === null) continue;
    (misplaced ??= []).push(entry);
    (problems ??= []).push(problem);
  }
  if (misplaced === null) return { type: 'apply', update, problems: NO_PROBLEMS, removed: null };
  return {
    type: 'apply',
    update: replaceWithGc(update, misplaced),
    problems: problems!,
    removed: deletionsUpdate(misplaced),
  };
}

/** The problems of an update that has none (shared, never written to). */
const NO_PROBLEMS: readonly string[] = Object.freeze([]);

/**
 * Why a top-level entry may not be applied, or null: it must sit in a collection of this document
 * kind, under a record id (or a known `meta` key). Yjs keeps such names and keys after the repair
 * removed their content (in the log, the snapshots and every client, forever), so they are checked
 * before anything is applied.
 */
export function explainPlacement({ root, key }: RootEntry, kind: DocKind): string | null {
  if (!hasMap(kind, root)) return `${quote(root)}: not a collection of a ${kind} document`;
  if (key === null) return null; // list content: removed by the repair, leaves no name behind
  if (isEntryKey(kind, root, key)) return null;
  return `${root}: key ${quote(key)} is not ${root === 'meta' ? 'a meta key' : `a key of ${root}`}`;
}

/**
 * True when applying the update would change nothing: every struct in it is already in `doc` and
 * every deletion in it is already applied. A read-only client's sync step 2 is such an update (it
 * carries the client's whole delete set), and is accepted silently.
 */
export function isKnownTo(doc: Y.Doc, scan: UpdateScan): boolean {
  const store = doc.store;
  for (const [client, end] of scan.ends) if (end > Y.getState(store, client)) return false;
  for (const { client, clock, len } of scan.deletes) {
    if (len === 0) continue;
    if (clock + len > Y.getState(store, client)) return false;
    const structs = store.clients.get(client);
    if (!structs) return false;
    for (let i = Y.findIndexSS(structs, clock); i < structs.length; i++) {
      const struct = structs[i]!;
      if (struct.id.clock >= clock + len) break;
      if (!struct.deleted) return false;
    }
  }
  return true;
}

/** What applying a client's update did. */
export interface AppliedUpdate {
  /** Entries the schema repair removed (or restored), as messages for the sender. */
  problems: string[];
  /** What the schema found wrong with those entries, as structure naming each entry and field. */
  issues: ValidationIssue[];
  /** Why Yjs could not decode the update, or null. */
  malformed: string | null;
  /** Part of it depended on changes the document lacks and was dropped. */
  gapped: boolean;
  /**
   * It changed the document, and exactly as it reads: nothing malformed, dropped or repaired. The
   * update itself can then be stored and relayed (nothing needs encoding).
   */
  whole: boolean;
}

/**
 * Apply a screened client update in one transaction that also drops whatever it left pending and
 * enforces the schema (`repairTransaction`) before anything is committed, stored or relayed.
 * `encode` is called before the transaction ends unless the update was applied `whole` (the
 * caller then has Yjs encode what the transaction really changed).
 */
export function applyClientUpdate(
  doc: Y.Doc,
  kind: DocKind,
  update: Uint8Array,
  origin: ChangeOrigin,
  scope?: string,
  encode?: () => void,
): AppliedUpdate {
  // Its problems and issues are the repair's own (fresh) arrays, set before the transaction ends.
  const applied: AppliedUpdate = { ...NOT_APPLIED };
  // Typed before the update: a root the update brings would otherwise be a bare type in `tr.changed`.
  const meta = doc.getMap('meta');
  doc.transact((tr) => {
    try {
      Y.applyUpdate(doc, update);
    } catch (err) {
      applied.malformed = (err as Error).message || 'undecodable update';
    }
    applied.gapped = dropPending(doc);
    const repaired = repairTransaction(doc, kind, tr, scope);
    applied.problems = repaired.problems;
    applied.issues = repaired.issues;
    keepServerMeta(meta, kind, tr, applied.problems);
    applied.whole =
      applied.malformed === null && !applied.gapped && applied.problems.length === 0 && changedAnything(doc, tr);
    if (!applied.whole) encode?.();
  }, origin);
  return applied;
}

/** Placeholder of `AppliedUpdate`'s lists until the repair's are set (never written to). */
const NONE = Object.freeze([]) as unknown as never[];

/** What a caller holds for an update until `applyClientUpdate` returned (it threw: nothing). Never written to. */
export const NOT_APPLIED: Readonly<AppliedUpdate> = Object.freeze({
  problems: NONE,
  issues: NONE,
  malformed: null,
  gapped: false,
  whole: false,
});

/**
 * Undo a client's change to what of `meta` only the server writes (`explainClientMetaChange`): the
 * entries as they were before the transaction are written back, and why goes to `problems`. Only
 * the keys the transaction changed are read (most updates change none), each one's value before
 * from the map's history: Yjs garbage-collects what a transaction deleted only when it ends.
 * Server writes do not come through here (they are `Room.serverChange`s).
 */
function keepServerMeta(meta: Y.Map<unknown>, kind: DocKind, tr: Y.Transaction, problems: string[]): void {
  // Yjs keys `changed` by the base type of every shared type; a YMap is one.
  const changed = tr.changed.get(meta as unknown as Parameters<typeof tr.changed.get>[0]);
  if (changed === undefined) return;
  for (const key of [...changed]) {
    if (key === null) continue; // list content: removed by the repair
    const was = valueBefore(meta._map.get(key), tr);
    const now = meta.get(key);
    if (now === was) continue;
    const problem = explainClientMetaChange(kind, key, was, now);
    if (problem === null) continue;
    problems.push(problem);
    if (was === undefined) meta.delete(key);
    else meta.set(key, was);
  }
}

/**
 * What `Y.Map.get` read for the key whose latest item is `latest` when the transaction began: the
 * value of the item that existed then and was visible (not deleted, or deleted by this
 * transaction). Each write of a key deletes the one before, so older items lie to its left.
 */
function valueBefore(latest: Y.Item | undefined, tr: Y.Transaction): unknown {
  for (let item = latest ?? null; item !== null; item = item.left) {
    if (item.id.clock >= (tr.beforeState.get(item.id.client) ?? 0)) continue;
    if (item.deleted && !deletedIn(tr, item.id)) continue;
    return item.content.getContent()[item.length - 1];
  }
  return undefined;
}

/** Whether the transaction itself deleted `id` (its delete set is sorted only when it ends: scan it). */
function deletedIn(tr: Y.Transaction, id: Y.ID): boolean {
  const ranges = tr.deleteSet.clients.get(id.client) ?? [];
  return ranges.some((r) => id.clock >= r.clock && id.clock < r.clock + r.len);
}

/** The transaction so far added structs or deleted anything. */
function changedAnything(doc: Y.Doc, tr: Y.Transaction): boolean {
  if (tr.deleteSet.clients.size > 0) return true;
  for (const client of doc.store.clients.keys()) {
    if (Y.getState(doc.store, client) > (tr.beforeState.get(client) ?? 0)) return true;
  }
  return false;
}

/**
 * Forget what the last update left pending (structs or deletions whose dependencies the document
 * lacks). Yjs would apply it, unchecked, once the gap is filled, and meanwhile includes it in every
 * `encodeStateAsUpdate` (snapshots, joiners' state). Returns whether there was any.
 */
export function dropPending(doc: Y.Doc): boolean {
  const store = doc.store;
  const had = store.pendingStructs !== null || store.pendingDs !== null;
  store.pendingStructs = null;
  store.pendingDs = null;
  return had;
}

/**
 * Updates with a gap one connection may send before it is refused, counted since its last
 * sync step 2 that left no gap. A stock client sends them only in the moment after it reconnects
 * with offline edits and edits again before it has answered the server's sync step 1; its answer
 * (everything the server lacks) then fills the gap.
 */
export const MAX_GAPPED_UPDATES = 32;
export const GAP_REFUSAL = `more than ${MAX_GAPPED_UPDATES} updates depend on changes never sent; answer the sync step 1 first`;

/** Per connection: whether the room waits for an answer to its sync step 1, and how many gaps it saw. */
export class GapTracker {
  /** Every connection is asked (sync step 1) when it joins. */
  private asked = true;
  private gaps = 0;

  constructor(private readonly limit = MAX_GAPPED_UPDATES) {}

  /** A sync step 2 from the connection was applied; `gapped`: it too left something pending. */
  answered(gapped: boolean): void {
    this.asked = false;
    if (!gapped) this.gaps = 0;
  }

  /**
   * An update from the connection left a gap (its pending part was dropped). `ask`: send it a sync
   * step 1 so it sends what the server lacks; `wait`: it was asked already; `refuse`: too many.
   */
  gapped(): 'ask' | 'wait' | 'refuse' {
    if (++this.gaps > this.limit) return 'refuse';
    if (this.asked) return 'wait';
    this.asked = true;
    return 'ask';
  }
}
