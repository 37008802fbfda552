import * as Y from 'yjs';
import type { StoredDoc } from './types.ts';

/**
 * Rebuild a document from what storage holds: its snapshot, then every update logged after it,
 * merged into one update (applying one merged update is much faster than many small ones).
 * Into `doc` when given, else a new document.
 */
export function docFromStored(stored: StoredDoc, doc: Y.Doc = new Y.Doc()): Y.Doc {
  const parts = stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates;
  if (parts.length) Y.applyUpdate(doc, parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts));
  return doc;
}
