import * as Y from 'yjs';

/** Client ids the server writes yielding changes with: below any id a Yjs client is likely to pick. */
export const YIELDING_CLIENT_IDS = 1 << 16;

/**
 * Run `write` on `doc` as a writer that yields: a key it sets loses to any concurrent set of the
 * same key by a client (one made without seeing this write), and wins otherwise.
 *
 * Yjs settles two concurrent sets of one map key by client id, the higher one wins. Clients pick
 * a random 32-bit id, so this write is made under a fresh id below 2^16 (lower than all but one
 * client in 65,536) that the document has never seen. Fresh each time, because two instances
 * writing concurrently under one id would give two different changes the same identity; an id
 * costs a few bytes in the document's state vector, so it is for rare writes (a release, a
 * correction), not a stream. The document keeps its own id for its other writes.
 */
export function writeYielding<T>(doc: Y.Doc, write: () => T, random: () => number = Math.random): T {
  const own = doc.clientID;
  let id = 0;
  while (id === 0 || Y.getState(doc.store, id) > 0) id = 1 + Math.floor(random() * (YIELDING_CLIENT_IDS - 1));
  doc.clientID = id;
  try {
    return write();
  } finally {
    doc.clientID = own;
  }
}
