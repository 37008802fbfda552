import { operationDocNames } from '@jointmap/shared';
import { forgetOperationCopies } from '../state/operation-copies.ts';

/** The IndexedDB database holding a user's copy of a document (y-indexeddb's one-database-per-doc format). */
export const localDocName = (userId: string, docName: string) => `jointmap:${userId}:${docName}`;
/**
 * The localStorage key of a user's count of unconfirmed edits to a document, over all tabs (each
 * tab's own under `<key>#<writer>`: see `PendingCount`).
 */
export const pendingKey = (userId: string, docName: string) => `jointmap.pending.${userId}.${docName}`;
/** The localStorage key of a user's count of edits to a document the server refused, not yet acknowledged. */
export const refusedKey = (userId: string, docName: string) => `jointmap.refused.${userId}.${docName}`;

/** Remove a document's count of unconfirmed edits (`key`: its `pendingKey`), every tab's entry included. */
export function forgetPending(s: Storage, key: string): void {
  const keys: string[] = [];
  for (let i = 0; i < s.length; i++) {
    const k = s.key(i);
    if (k === key || k?.startsWith(`${key}#`)) keys.push(k);
  }
  for (const k of keys) s.removeItem(k);
}

/** Delete one IndexedDB database; resolves once deleted, or once blocked by another tab (deleted when it closes). */
export const deleteDatabase = (name: string) =>
  new Promise<void>((resolve) => {
    const req = indexedDB.deleteDatabase(name);
    // Blocked: another tab still has it open; the deletion completes once that tab closes it.
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  });

/**
 * Drop every copy this browser keeps of operations whose data was purged on the server (a purge
 * must not leave the data on the workstations): every user's copies of their operation data, the
 * current user's documents and counts by name, and any other user's documents where the browser
 * can list its databases.
 */
export async function forgetOperations(
  operations: ReadonlyArray<{ id: string; stations: readonly string[] }>,
  userId: string,
): Promise<void> {
  if (!operations.length) return;
  forgetOperationCopies(operations.map((op) => op.id));
  if (typeof indexedDB === 'undefined') return;
  const names = new Set<string>();
  for (const op of operations)
    for (const doc of operationDocNames(op.id, op.stations)) {
      names.add(localDocName(userId, doc));
      try {
        forgetPending(localStorage, pendingKey(userId, doc));
        localStorage.removeItem(refusedKey(userId, doc));
      } catch {
        // storage unavailable: nothing kept there either
      }
    }
  const listed = await indexedDB.databases?.().catch(() => []);
  for (const db of listed ?? [])
    if (db.name?.startsWith('jointmap:') && operations.some((op) => db.name!.includes(`:${op.id}/`)))
      names.add(db.name);
  await Promise.all([...names].map(deleteDatabase));
}
