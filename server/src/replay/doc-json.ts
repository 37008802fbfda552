import type * as Y from 'yjs';

/**
 * Every top-level map of a document as JSON, keyed by name. A document built from updates only
 * knows its top-level types' names until someone asks for them by kind (`Y.Doc.toJSON` leaves
 * such types out), and every top-level type of ours is a `Y.Map`, so each is read as one.
 */
export function docJson(doc: Y.Doc): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const name of [...doc.share.keys()].sort()) out[name] = doc.getMap(name).toJSON();
  return out;
}
