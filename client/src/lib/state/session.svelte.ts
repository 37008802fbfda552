import type { Role } from '@jointmap/shared';

export interface SessionUser {
  id: string;
  name: string;
  role: Role;
  stationId: string | null;
}

interface StoredSession {
  token: string;
  expiresAt: number;
  user: SessionUser;
}

const STORAGE_KEY = 'jointmap.session';

/** An HTTP error from our API, with the code of the shared error catalog. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

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

/** The login: token kept in localStorage so a reload (even offline) stays signed in. */
export class Session {
  current = $state<StoredSession | null>(load());
  readonly user = $derived(this.current?.user ?? null);
  readonly token = $derived(this.current?.token ?? null);
  /** Why the last session ended, shown on the login page (`expired`: the server refused the token). */
  endedBecause = $state<'expired' | null>(null);

  async login(username: string, password: string): Promise<void> {
    const res = await fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const body = (await res.json().catch(() => ({}))) as Partial<StoredSession> & {
      error?: { code: string; message: string };
    };
    if (!res.ok || !body.token || !body.user) {
      throw new ApiError(res.status, body.error?.code ?? 'UNKNOWN', body.error?.message ?? res.statusText);
    }
    this.current = { token: body.token, expiresAt: body.expiresAt ?? Date.now() + 3600_000, user: body.user };
    this.endedBecause = null;
    localStorage.setItem(STORAGE_KEY, JSON.stringify(this.current));
  }

  logout(reason: 'expired' | null = null): void {
    this.endedBecause = reason;
    this.current = null;
    localStorage.removeItem(STORAGE_KEY);
  }

  /** GET a JSON resource of our API with the bearer token; signs out on 401. */
  async get<T>(path: string): Promise<T> {
    const res = await fetch(path, { headers: this.token ? { authorization: `Bearer ${this.token}` } : {} });
    if (res.status === 401) this.logout();
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
      throw new ApiError(res.status, body.error?.code ?? 'UNKNOWN', body.error?.message ?? res.statusText);
    }
    return (await res.json()) as T;
  }
}

export const session = new Session();
