import { AppError } from '@jointmap/shared';
import { userFromClaims, type AuthUser } from '../plugins/auth.ts';
import type { AppContext } from '../services/context.ts';
import { callAt } from './call-at.ts';
import type { TokenClaims } from './tokens.ts';

/**
 * Authenticate a long-lived real-time session (document sync, live positions): a valid token
 * whose session is open, of an account that still exists, is not disabled and still has the
 * role and station the token names.
 */
export async function authenticateSession(
  ctx: AppContext,
  token: string | undefined | null,
): Promise<{ claims: TokenClaims; user: AuthUser }> {
  const claims = await ctx.sessions.authenticate(token);
  const account = await ctx.storage.getAccount(claims.sub);
  if (!account || account.disabled) throw new AppError('SESSION_ENDED', 'account disabled or removed');
  if (account.role !== claims.role || account.stationId !== claims.stationId) {
    throw new AppError('SESSION_ENDED', 'the account was changed; log in again');
  }
  return { claims, user: userFromClaims(claims) };
}

/**
 * Call `end` when the token expires, however far away (30-day wall tokens included); returns the
 * cancel. Live connections use `SessionService.watch`, which also follows renewals and revocation.
 */
export function onTokenExpiry(claims: TokenClaims, end: () => void, now: () => number = Date.now): () => void {
  return callAt(claims.exp * 1000, end, now);
}
