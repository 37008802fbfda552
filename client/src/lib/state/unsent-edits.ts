import { pendingKey } from '../sync/local-copies.ts';

/**
 * How many edits `userId` made on this workstation that the server has not confirmed, over all of
 * their documents: the counts each document keeps across reloads (`DocSync.pending`, the number
 * the 退出 button warns about), read without opening the operation. They are sent when that user
 * signs in here again.
 *
 * @example unsentEditsOf(session.endedUser.id) // 3
 */
export function unsentEditsOf(userId: string): number {
  const prefix = pendingKey(userId, '');
  let total = 0;
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key?.startsWith(prefix)) total += Number(localStorage.getItem(key)) || 0;
    }
  } catch {
    // storage unavailable: no counts were kept either
  }
  return total;
}
