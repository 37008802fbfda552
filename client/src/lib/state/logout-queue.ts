import { backoffDelay } from './backoff.ts';

/** Sign-outs the server has not heard of yet, kept across reloads and shared by this browser's tabs. */
const QUEUE_KEY = 'jointmap.logout.queue';

interface QueuedLogout {
  token: string;
  /** Past this (epoch ms) the token is refused anyway: nothing left to end. */
  expiresAt: number;
}

function readQueue(): QueuedLogout[] {
  try {
    const list = JSON.parse(localStorage.getItem(QUEUE_KEY) ?? '[]') as unknown;
    return Array.isArray(list)
      ? list.filter((q): q is QueuedLogout => typeof q?.token === 'string' && typeof q?.expiresAt === 'number')
      : [];
  } catch {
    return [];
  }
}

function writeQueue(list: QueuedLogout[]): void {
  try {
    if (list.length) localStorage.setItem(QUEUE_KEY, JSON.stringify(list));
    else localStorage.removeItem(QUEUE_KEY);
  } catch {
    // storage unavailable: the sign-out is retried by this page only
  }
}

/**
 * Tell the server to end a session (`POST /api/auth/logout`). True once it answered: ended, or the
 * token is refused anyway (expired, already ended). False when it could not be reached (offline,
 * a proxy's 5xx): the session is still alive there.
 */
async function postLogout(token: string): Promise<boolean> {
  try {
    const res = await fetch('/api/auth/logout', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      keepalive: true,
    });
    return res.status < 500;
  } catch {
    return false;
  }
}

/**
 * Sends queued sign-outs until the server has heard them: at once, when the browser says the link
 * is back, and on a backoff timer (an intranet link can drop while the browser still says online).
 * One per page ({@link logoutQueue}); any tab may send a queued sign-out, a second send is refused
 * harmlessly.
 */
export class LogoutQueue {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private flushing: Promise<void> | null = null;

  constructor(private readonly now: () => number = Date.now) {
    if (typeof window === 'undefined') return;
    window.addEventListener('online', () => void this.flush());
    if (readQueue().length) void this.flush();
  }

  /**
   * End a session on the server: sent now, or queued if the server cannot be reached, so a
   * sign-out made while the link is down still ends the session (other tabs, other workstations'
   * sockets) when it returns.
   */
  async end(token: string, expiresAt: number): Promise<void> {
    if (await postLogout(token)) return;
    writeQueue([...readQueue().filter((q) => q.token !== token), { token, expiresAt }]);
    this.retryLater();
  }

  /** Send every queued sign-out whose token is still alive; keep those the server did not hear. */
  flush(): Promise<void> {
    this.flushing ??= this.sendAll().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async sendAll(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const alive = readQueue().filter((q) => q.expiresAt > this.now());
    const sent = new Set<string>();
    for (const q of alive) if (await postLogout(q.token)) sent.add(q.token);
    // Read again: another tab may have queued one meanwhile.
    const left = readQueue().filter((q) => q.expiresAt > this.now() && !sent.has(q.token));
    writeQueue(left);
    if (left.length === 0) this.failures = 0;
    else this.retryLater();
  }

  private retryLater(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, backoffDelay(this.failures++));
  }
}

export const logoutQueue = new LogoutQueue();
