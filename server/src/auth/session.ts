import { AppError } from '@jointmap/shared';
import { userFromClaims, type AuthUser } from '../plugins/auth.ts';
import type { AppContext } from '../services/context.ts';
import type { Account } from '../storage/types.ts';
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
  await currentAccount(ctx, claims);
  return { claims, user: userFromClaims(claims) };
}

/**
 * The account a token names, as stored now; `SESSION_ENDED` when it was removed, disabled or given
 * another role or station since the token was issued.
 */
export async function currentAccount(ctx: AppContext, claims: TokenClaims): Promise<Account> {
  const account = await ctx.storage.getAccount(claims.sub);
  if (!account || account.disabled) throw new AppError('SESSION_ENDED', 'account disabled or removed');
  if (account.role !== claims.role || account.stationId !== claims.stationId) {
    throw new AppError('SESSION_ENDED', 'the account was changed; log in again');
  }
  return account;
}
