import type { Role } from '@jointmap/shared';
import { ApiError, apiErrorOf } from './api-error.ts';
import { endReasonOf, type EndReason } from './end-reason.ts';
import { renewAtFor, TokenRenewer, type TokenReply } from './token-renewal.ts';

export interface SessionUser {
  id: string;
  name: string;
  role: Role;
  stationId: string | null;
}

interface StoredSession {
  token: string;
  expiresAt: number;
  /** When to renew the token, on this page's clock (older stored sessions: none, renew soon). */
  renewAt?: number;
  user: SessionUser;
}

export { ApiError };

const STORAGE_KEY = 'jointmap.session';

function load(): StoredSession | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as StoredSession;
    return s.expiresAt > Date.now() ? s : null;
  } catch {
    return null;
  }
}

/**
 * The login: token kept in localStorage so a reload (even offline) stays signed in, and renewed
 * before it expires (an unattended wall display stays signed in for weeks). `current` is raw
 * state: a renewal replaces the token but keeps the `user` object, so pages do not rebuild.
 */
export class Session {
  current = $state.raw<StoredSession | null>(load());
  readonly user = $derived(this.current?.user ?? null);
  readonly token = $derived(this.current?.token ?? null);
  /** Why the last session ended, shown on the login page. */
  endedBecause = $state<EndReason | null>(null);
  private readonly renewer = new TokenRenewer({
    current: () => (this.current ? { token: this.current.token, renewAt: this.current.renewAt ?? 0 } : null),
    renewed: (reply) => this.hold(reply, this.current!.user),
    refused: (code) => this.logout(endReasonOf(code)),
  });

  constructor() {
    if (this.current) this.renewer.start();
  }

  async login(username: string, password: string): Promise<void> {
    const res = await fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const body = (await res.json().catch(() => ({}))) as Partial<TokenReply> & { user?: SessionUser };
    // Not errorOf: a 401 here is a wrong password, not a session that ended.
    if (!res.ok || !body.token || !body.user) throw apiErrorOf(res, body);
    this.hold(
      { token: body.token, expiresAt: body.expiresAt ?? Date.now() + 3600_000, issuedAt: body.issuedAt },
      body.user,
    );
    this.endedBecause = null;
    this.renewer.start();
  }

  /**
   * Sign out. Without a reason the user asked: the server ends the session everywhere (other
   * tabs, sockets). With one, the server already refused the token; the login page says why.
   */
  logout(reason: EndReason | null = null): void {
    const token = this.current?.token;
    if (!reason && token) {
      void fetch('/api/auth/logout', { method: 'POST', headers: { authorization: `Bearer ${token}` }, keepalive: true })
        // Offline: the token stays valid on the server until it expires; nothing more to do here.
        .catch(() => undefined);
    }
    this.renewer.stop();
    this.endedBecause = reason;
    this.current = null;
    localStorage.removeItem(STORAGE_KEY);
  }

  /** GET a JSON resource of our API with the bearer token; a refused token ends the session. */
  async get<T>(path: string): Promise<T> {
    const res = await fetch(path, { headers: this.token ? { authorization: `Bearer ${this.token}` } : {} });
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

  private hold(reply: TokenReply, user: SessionUser): void {
    const now = Date.now();
    this.current = { token: reply.token, expiresAt: reply.expiresAt, renewAt: renewAtFor(reply, now), user };
    localStorage.setItem(STORAGE_KEY, JSON.stringify(this.current));
  }
}

export const session = new Session();
