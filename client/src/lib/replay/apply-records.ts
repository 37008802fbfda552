import type * as Y from 'yjs';

/** Transaction origin of replay writes into the page's own read-only copies. */
export const REPLAY_ORIGIN = { source: 'replay' } as const;

/**
 * Make a local document hold exactly `maps` (top-level map → record id → record), changing only
 * the records that differ, in one transaction: the map layers and boards that observe it redraw
 * only what changed between two moments. The document is the replay page's own copy, never synced.
 */
export function applyRecords(doc: Y.Doc, maps: Record<string, Record<string, unknown>>): number {
  let changed = 0;
  doc.transact(() => {
    const names = new Set([...doc.share.keys(), ...Object.keys(maps)]);
    for (const name of names) {
      const map = doc.getMap<unknown>(name);
      const want = maps[name] ?? {};
      for (const key of [...map.keys()])
        if (!(key in want)) {
          map.delete(key);
          changed++;
        }
      for (const [key, value] of Object.entries(want)) {
        const have = map.get(key);
        if (have === undefined || !sameJson(have, value)) {
          map.set(key, value);
          changed++;
        }
      }
    }
  }, REPLAY_ORIGIN);
  return changed;
}

/**
 * Apply one moment's differences to a local document (from the replay's fetch worker): set and
 * delete exactly those records, in one transaction.
 */
export function applyChanges(
  doc: Y.Doc,
  set: Record<string, Record<string, unknown>>,
  del: Record<string, string[]>,
): void {
  doc.transact(() => {
    for (const [name, keys] of Object.entries(del)) {
      const map = doc.getMap<unknown>(name);
      for (const key of keys) map.delete(key);
    }
    for (const [name, records] of Object.entries(set)) {
      const map = doc.getMap<unknown>(name);
      for (const [key, value] of Object.entries(records)) map.set(key, value);
    }
  }, REPLAY_ORIGIN);
}

/**
 * Whether two JSON values are equal (objects by their keys in any order). Every record of every
 * document is compared on each moment; this stops at the first difference and builds no strings.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const key in x) {
    if (x[key] === undefined) continue;
    n++;
    if (!(key in y) || !sameJson(x[key], y[key])) return false;
  }
  for (const key in y) if (y[key] !== undefined) n--;
  return n === 0;
}
