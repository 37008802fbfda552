import type { Role } from '@jointmap/shared';

export interface SessionUser {
  id: string;
  name: string;
  role: Role;
  stationId: string | null;
}

/** The login this browser keeps in localStorage, shared by all its tabs. */
export interface StoredSession {
  token: string;
  expiresAt: number;
  /** When to renew the token, on this page's clock (older stored sessions: none, renew soon). */
  renewAt?: number;
  user: SessionUser;
}

/** The localStorage key every tab of this browser reads its login from. */
export const SESSION_KEY = 'jointmap.session';

/** The stored login in a `jointmap.session` value (null: none, or not one of ours). */
export function parseStored(raw: string | null): StoredSession | null {
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Partial<StoredSession> | null;
    return s && typeof s.token === 'string' && typeof s.expiresAt === 'number' && s.user ? (s as StoredSession) : null;
  } catch {
    return null;
  }
}

/**
 * The login stored now: null when there is none, undefined when localStorage cannot be read (private
 * mode, disabled storage), where nothing can be compared.
 */
export function readStored(): StoredSession | null | undefined {
  try {
    return parseStored(localStorage.getItem(SESSION_KEY));
  } catch {
    return undefined;
  }
}

export function writeStored(s: StoredSession): void {
  try {
    localStorage.setItem(SESSION_KEY, JSON.stringify(s));
  } catch {
    // storage unavailable or full: this tab stays signed in, a reload asks again
  }
}

/** Remove the stored login, but only while it is still `token`'s session (never another person's login). */
export function releaseStored(token: string): void {
  const stored = readStored();
  if (!stored || !sameSession(stored.token, token)) return;
  try {
    localStorage.removeItem(SESSION_KEY);
  } catch {
    // storage unavailable: nothing was kept there either
  }
}

/**
 * The login session id (`sid`) a token names. Our tokens are `base64url(claims).signature`
 * (server/src/auth/tokens.ts); the page only reads them, the server checks them.
 */
export function sessionIdOf(token: string): string | null {
  try {
    const body = token.slice(0, token.indexOf('.')).replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
    const sid = (JSON.parse(new TextDecoder().decode(bytes)) as { sid?: unknown }).sid;
    return typeof sid === 'string' ? sid : null;
  } catch {
    return null;
  }
}

/** Whether two tokens belong to one login session: a renewal keeps the session, a new sign-in does not. */
export function sameSession(a: string, b: string): boolean {
  if (a === b) return true;
  const sid = sessionIdOf(a);
  return sid !== null && sid === sessionIdOf(b);
}
