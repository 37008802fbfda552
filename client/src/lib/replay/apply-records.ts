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
        if (have === undefined || JSON.stringify(have) !== JSON.stringify(value)) {
          map.set(key, value);
          changed++;
        }
      }
    }
  }, REPLAY_ORIGIN);
  return changed;
}
