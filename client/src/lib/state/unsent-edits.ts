import { parseDocName } from '@jointmap/shared';
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
      // What follows must be a document name (it has no dot): `u-a.b`'s keys also begin with `u-a.`.
      if (key?.startsWith(prefix) && parseDocName(key.slice(prefix.length)))
        total += Number(localStorage.getItem(key)) || 0;
    }
  } catch {
    // storage unavailable: no counts were kept either
  }
  return total;
}

/**
 * What signing out or reloading would leave unsent: this tab's unconfirmed edits (`pending`) or,
 * when more, all that `userId` left on this workstation (`unsentEditsOf`), another tab's included.
 * Not added up: this tab's own are among those kept.
 *
 * @example const count = unsentEditsWithOtherTabs(session.pending, session.user.id);
 */
export function unsentEditsWithOtherTabs(pending: number, userId: string): number {
  return Math.max(pending, unsentEditsOf(userId));
}
