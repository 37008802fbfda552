import { backoffDelay } from './backoff.ts';

/** What login and renewal answer (`POST /api/auth/login`, `POST /api/auth/renew`). */
export interface TokenReply {
  token: string;
  /** Epoch ms on the server's clock. */
  expiresAt: number;
  /** Epoch ms on the server's clock (older servers leave it out). */
  issuedAt?: number;
}

/** The token the page holds, and when (on this page's clock) to renew it. */
export interface HeldToken {
  token: string;
  renewAt: number;
}

/** Longest single wait: timers are re-checked at least this often (sleep, clock changes). */
const MAX_WAIT_MS = 60_000;

/**
 * When to renew a token received `now`: at half its life. The life is measured on the server's
 * clock (`expiresAt − issuedAt`) and counted from `now` on this page's clock, so a page whose
 * clock is off still renews in time.
 */
export function renewAtFor(reply: TokenReply, now: number): number {
  const life = reply.issuedAt !== undefined ? reply.expiresAt - reply.issuedAt : reply.expiresAt - now;
  return now + Math.max(0, life) / 2;
}

export interface TokenRenewerOptions {
  /** The token held now (null: signed out, the renewer stops). */
  current: () => HeldToken | null;
  /** A fresh token for the same session: hold it from now on. */
  renewed: (reply: TokenReply) => void;
  /** The server refused to renew (`SESSION_ENDED`, `TOKEN_EXPIRED`…): the session is over. */
  refused: (code: string) => void;
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * Renews the page's token before it expires, with no person involved (a wall display runs for
 * weeks): at half its life, then again at half the new one's. A failed attempt (network, server
 * down) is retried until the token expires; a refusal ends the session.
 */
export class TokenRenewer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private readonly now: () => number;

  constructor(private readonly options: TokenRenewerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** (Re)start the schedule, e.g. after a login. */
  start(): void {
    this.failures = 0;
    this.schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delay?: number): void {
    clearTimeout(this.timer);
    const held = this.options.current();
    if (!held) return;
    const wait = delay ?? Math.max(0, held.renewAt - this.now());
    this.timer = setTimeout(() => this.tick(), Math.min(wait, MAX_WAIT_MS));
  }

  private tick(): void {
    const held = this.options.current();
    if (!held) return;
    if (this.now() < held.renewAt) return this.schedule();
    void this.renew(held);
  }

  private async renew(held: HeldToken): Promise<void> {
    let res: Response;
    try {
      res = await (this.options.fetch ?? fetch)('/api/auth/renew', {
        method: 'POST',
        headers: { authorization: `Bearer ${held.token}` },
      });
    } catch {
      return this.retry();
    }
    if (this.options.current()?.token !== held.token) return this.schedule(); // signed out or replaced meanwhile
    const body = (await res.json().catch(() => ({}))) as Partial<TokenReply> & { error?: { code?: string } };
    if (res.ok && typeof body.token === 'string' && typeof body.expiresAt === 'number') {
      this.failures = 0;
      this.options.renewed(body as TokenReply);
      return this.schedule();
    }
    if (res.status === 401) return this.options.refused(body.error?.code ?? 'UNAUTHENTICATED');
    this.retry();
  }

  /** Back off 2 s, 4 s … up to a minute (once the token has expired, the server says so: refused). */
  private retry(): void {
    this.schedule(backoffDelay(this.failures++, { baseMs: 2000, maxMs: MAX_WAIT_MS }));
  }
}
