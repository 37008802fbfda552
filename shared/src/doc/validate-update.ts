import * as Y from 'yjs';
import { explainEntry, type DocKind } from '../schema/index.ts';

/**
 * Check an incoming Yjs update against the document's schema *before* it is applied, so invalid
 * content never becomes visible state. Yjs cannot filter an update by content, so the rule is
 * all-or-nothing: every struct must be a plain JSON record (`ContentAny`) set under a key of a
 * known top-level map, and every record must pass its validator. Deletions are always structural.
 *
 * Items whose parent is not written in the update (Yjs omits it when an origin is present) are
 * resolved through their origin, first inside the update, then in `doc`.
 *
 * @returns null when the update may be applied, otherwise the first problem found.
 */
export function explainUpdate(doc: Y.Doc, docKind: DocKind, update: Uint8Array): string | null {
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = Y.decodeUpdate(update);
  } catch {
    return 'undecodable update';
  }
  const items = decoded.structs.filter((s): s is Y.Item => s instanceof Y.Item);
  const index = new UpdateIndex(items);
  const memo = new Map<Y.Item, Placement | string>();

  const placementOf = (item: Y.Item, depth: number): Placement | string => {
    const known = memo.get(item);
    if (known) return known;
    let result: Placement | string;
    if (depth > 10_000) result = 'origin chain too long';
    else if (typeof item.parent === 'string') {
      result = item.parentSub === null ? `${item.parent}: list content is not allowed` : { map: item.parent, key: item.parentSub };
    } else if (item.parent !== null) {
      result = 'nested shared types are not allowed';
    } else {
      const ref = item.origin ?? item.rightOrigin;
      const inUpdate = ref ? index.find(ref) : undefined;
      if (inUpdate) result = placementOf(inUpdate, depth + 1);
      else if (ref) result = placementInDoc(doc, ref);
      else result = 'item without parent or origin';
    }
    memo.set(item, result);
    return result;
  };

  for (const item of items) {
    const placement = placementOf(item, 0);
    if (typeof placement === 'string') return placement;
    const content = item.content;
    if (content instanceof Y.ContentDeleted) continue;
    if (!(content instanceof Y.ContentAny) || content.arr.length !== 1) {
      return `${placement.map}/${placement.key}: only plain JSON records are allowed`;
    }
    const problem = explainEntry(docKind, placement.map, placement.key, content.arr[0]);
    if (problem) return problem;
  }
  return null;
}

interface Placement {
  map: string;
  key: string;
}

function placementInDoc(doc: Y.Doc, id: Y.ID): Placement | string {
  let item: Y.Item | Y.GC;
  try {
    item = Y.getItem(doc.store, id) as Y.Item | Y.GC;
  } catch {
    return 'update depends on content the server does not have';
  }
  if (!(item instanceof Y.Item)) return 'update depends on collected content';
  const parent = item.parent as Y.AbstractType<unknown> | null;
  if (parent === null || parent._item !== null) return 'nested shared types are not allowed';
  if (item.parentSub === null) return 'list content is not allowed';
  return { map: Y.findRootTypeKey(parent), key: item.parentSub };
}

/** Finds the item of an update that covers a given ID (items may span several clocks). */
class UpdateIndex {
  private readonly byClient = new Map<number, Y.Item[]>();
  constructor(items: readonly Y.Item[]) {
    for (const item of items) {
      const list = this.byClient.get(item.id.client);
      if (list) list.push(item);
      else this.byClient.set(item.id.client, [item]);
    }
    for (const list of this.byClient.values()) list.sort((a, b) => a.id.clock - b.id.clock);
  }
  find(id: Y.ID): Y.Item | undefined {
    const list = this.byClient.get(id.client);
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const item = list[mid]!;
      if (id.clock < item.id.clock) hi = mid - 1;
      else if (id.clock >= item.id.clock + item.length) lo = mid + 1;
      else return item;
    }
    return undefined;
  }
}

/** True when an update carries nothing (no structs, no deletions): e.g. a read-only client's sync step 2. */
export function isEmptyUpdate(update: Uint8Array): boolean {
  // An empty v1 update is exactly [0, 0]: zero struct groups, zero delete-set clients.
  return update.length === 2 && update[0] === 0 && update[1] === 0;
}
