import { AppError } from '@jointmap/shared';
import { userFromClaims, type AuthUser } from '../plugins/auth.ts';
import type { AppContext } from '../services/context.ts';
import type { TokenClaims } from './tokens.ts';

/** Longest delay setTimeout accepts (~24.8 days; wall tokens live 30). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Authenticate a long-lived real-time session (document sync, live positions): a valid token of
 * an account that still exists and is not disabled.
 */
export async function authenticateSession(
  ctx: AppContext,
  token: string | undefined | null,
): Promise<{ claims: TokenClaims; user: AuthUser }> {
  const claims = ctx.tokens.verify(token);
  const account = await ctx.storage.getAccount(claims.sub);
  if (!account || account.disabled) throw new AppError('UNAUTHENTICATED', 'account disabled or removed');
  return { claims, user: userFromClaims(claims) };
}

/** Call `end` when the token expires (sessions end with their token); returns the cancel. */
export function onTokenExpiry(claims: TokenClaims, end: () => void): () => void {
  const timer = setTimeout(end, Math.min(Math.max(claims.exp * 1000 - Date.now(), 0), MAX_TIMER_MS));
  timer.unref();
  return () => clearTimeout(timer);
}
