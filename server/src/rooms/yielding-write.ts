import * as Y from 'yjs';

/** Client ids the server writes yielding changes with: below any id a Yjs client is likely to pick. */
export const YIELDING_CLIENT_IDS = 1 << 16;

/** The yielding client id for the `n`th id handed out by a counter (1, 2, …): 1 … 2^16 − 1, round and round. */
export function yieldingIdOf(n: number): number {
  return 1 + ((n - 1) % (YIELDING_CLIENT_IDS - 1));
}

/**
 * Run `write` on `doc` as a writer that yields: a key it sets loses to any concurrent set of the
 * same key by a client (one made without seeing this write), and wins otherwise.
 *
 * Yjs settles two concurrent sets of one map key by client id, the higher one wins. Clients pick
 * a random 32-bit id, so this write is made under an id below 2^16 (lower than all but one client
 * in 65,536) that the document has never seen, the document keeping its own id for its other
 * writes. Never one the document has seen, and never one another writer may be using at the same
 * moment: two writers making different changes under one id and clock would split the document
 * for good (equal state vectors, different content). Within one process the room's queue orders
 * the writes to a document, so a random fresh id is enough; instances sharing a document pass
 * `candidates` handed out by a shared counter (`takeYieldingIds`), tried in order before a random
 * draw. An id costs a few bytes in the document's state vector: this is for rare writes (a
 * release, a correction), not a stream.
 */
export function writeYielding<T>(
  doc: Y.Doc,
  write: () => T,
  candidates: readonly number[] = [],
  random: () => number = Math.random,
): T {
  const fresh = (id: number) => id > 0 && id < YIELDING_CLIENT_IDS && Y.getState(doc.store, id) === 0;
  let id = candidates.find(fresh) ?? 0;
  while (!fresh(id)) id = 1 + Math.floor(random() * (YIELDING_CLIENT_IDS - 1));
  const own = doc.clientID;
  doc.clientID = id;
  try {
    return write();
  } finally {
    doc.clientID = own;
  }
}
