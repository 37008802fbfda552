import { ApiError, apiErrorOf } from './api-error.ts';
import { endReasonOf, type EndReason } from './end-reason.ts';
import { httpClock } from './http-clock.ts';
import { logoutQueue } from './logout-queue.ts';
import {
  parseStored,
  readStored,
  releaseStored,
  sameSession,
  SESSION_KEY,
  writeStored,
  type SessionUser,
  type StoredSession,
} from './stored-session.ts';
import { renewAtFor, TokenRenewer, type TokenReply } from './token-renewal.ts';

export type { SessionUser };
export { ApiError };

/**
 * The login: token kept in localStorage so a reload (even offline) stays signed in, and renewed
 * before it expires (an unattended wall display stays signed in for weeks). `current` is raw
 * state: a renewal replaces the token but keeps the `user` object, so pages do not rebuild.
 *
 * Every tab of the browser shares the stored login, and a shared station PC passes from one person
 * to the next: a tab follows the stored login (a sign-out or another person's sign-in in any tab
 * signs it out) and never writes its own session back over a newer one.
 */
export class Session {
  current = $state.raw<StoredSession | null>(null);
  readonly user = $derived(this.current?.user ?? null);
  readonly token = $derived(this.current?.token ?? null);
  /** Why the last session ended, shown on the login page. */
  endedBecause = $state<EndReason | null>(null);
  /**
   * Whose session ended last (signed out, or ended with a reason): the login page counts their
   * edits still on this workstation.
   */
  endedUser = $state.raw<SessionUser | null>(null);
  private readonly renewer = new TokenRenewer({
    current: () => (this.current ? { token: this.current.token, renewAt: this.current.renewAt ?? 0 } : null),
    renewed: (reply) => this.renewed(reply),
    refused: (code) => this.logout(endReasonOf(code)),
  });

  constructor() {
    const stored = readStored();
    // Expired (e.g. while offline): signed out, and the login page says so instead of just appearing.
    if (stored && stored.expiresAt <= Date.now()) this.ended('expired', stored.user);
    else if (stored) this.current = stored;
    if (this.current) this.renewer.start();
    if (typeof window !== 'undefined') window.addEventListener('storage', this.onStorage);
  }

  async login(username: string, password: string): Promise<void> {
    const sentAt = Date.now();
    const res = await fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    httpClock.sample(res, sentAt);
    const body = (await res.json().catch(() => ({}))) as Partial<TokenReply> & { user?: SessionUser };
    // Not errorOf: a 401 here is a wrong password, not a session that ended.
    if (!res.ok || !body.token || !body.user) throw apiErrorOf(res, body);
    this.hold(
      { token: body.token, expiresAt: body.expiresAt ?? Date.now() + 3600_000, issuedAt: body.issuedAt },
      body.user,
    );
    this.endedBecause = null;
    this.endedUser = null;
    this.renewer.start();
    void logoutQueue.flush(); // the link is up: end sessions signed out while it was down
  }

  /**
   * Sign out. Without a reason the user asked: the server ends the session everywhere (other
   * tabs, sockets), at once or, offline, when the link returns. With one, the server already
   * refused the token; the login page says why.
   */
  logout(reason: EndReason | null = null): void {
    const mine = this.current;
    if (!reason && mine) void logoutQueue.end(mine.token, mine.expiresAt);
    this.ended(reason, mine?.user ?? null);
    if (mine) releaseStored(mine.token);
  }

  /**
   * GET a JSON resource of our API with the bearer token; a refused token ends the session. Every
   * answer's server time refines the estimate of the server's clock (`httpClock`). `signal` ends
   * the wait (e.g. `AbortSignal.timeout`): the promise rejects with the signal's reason.
   */
  async get<T>(path: string, { signal }: { signal?: AbortSignal } = {}): Promise<T> {
    const sentAt = Date.now();
    const res = await fetch(path, { headers: this.token ? { authorization: `Bearer ${this.token}` } : {}, signal });
    httpClock.sample(res, sentAt);
    if (!res.ok) throw this.errorOf(res, await res.json().catch(() => ({})));
    return (await res.json()) as T;
  }

  /**
   * The error of a failed response of our API (`apiErrorOf`); a refused token (401) ends the
   * session, the login page saying why. For every request helper that does not go through `get`.
   *
   * @example if (!res.ok) throw session.errorOf(res, json);
   */
  errorOf(res: Response, body: unknown): ApiError {
    const err = apiErrorOf(res, body);
    if (res.status === 401) this.logout(endReasonOf(err.code));
    return err;
  }

  /** This tab is signed out; the stored login (perhaps someone else's by now) is left as it is. */
  private ended(reason: EndReason | null, user: SessionUser | null): void {
    this.renewer.stop();
    this.endedBecause = reason;
    this.endedUser = user;
    this.current = null;
  }

  /**
   * A renewed token is kept only while the stored login is still this session: one signed out or
   * replaced by another sign-in (in another tab, perhaps while this one was offline) must not come back.
   */
  private renewed(reply: TokenReply): void {
    const mine = this.current;
    if (!mine) return;
    const stored = readStored();
    if (stored === undefined || (stored && sameSession(stored.token, mine.token))) return this.hold(reply, mine.user);
    this.ended(this.expiredNow(mine) ? 'expired' : 'ended', mine.user);
  }

  /** Another tab changed the stored login: follow a renewal of this session, end on anything else. */
  private readonly onStorage = (e: StorageEvent): void => {
    if (e.key !== SESSION_KEY && e.key !== null) return; // null: the whole storage was cleared
    const mine = this.current;
    if (!mine) return;
    const stored = parseStored(e.key === null ? null : e.newValue);
    if (!stored || !sameSession(stored.token, mine.token))
      return this.ended(this.expiredNow(mine) ? 'expired' : 'ended', mine.user);
    if (stored.expiresAt > mine.expiresAt) {
      this.current = { ...stored, user: mine.user };
      this.renewer.start();
    }
  };

  private expiredNow(s: StoredSession): boolean {
    return s.expiresAt <= Date.now();
  }

  private hold(reply: TokenReply, user: SessionUser): void {
    const now = Date.now();
    this.current = { token: reply.token, expiresAt: reply.expiresAt, renewAt: renewAtFor(reply, now), user };
    writeStored(this.current);
  }
}

export const session = new Session();
