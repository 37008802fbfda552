import { AppError, type ErrorCode } from '@jointmap/shared';
import type { Account, SessionEndReason, Storage } from '../storage/types.ts';
import { callAt } from './call-at.ts';
import type { TokenClaims, TokenService } from './tokens.ts';

/** How a live connection is told that its session is over (then it closes). */
export type SessionCloser = (
  code: Extract<ErrorCode, 'TOKEN_EXPIRED' | 'SESSION_ENDED' | 'STORAGE_UNAVAILABLE'>,
  message: string,
) => void;

export interface SessionServiceOptions {
  /** How often the feed of ended sessions is read (other instances, account changes). */
  pollMs?: number;
  now?: () => number;
  onError?: (err: unknown) => void;
}

interface LiveEntry {
  close: SessionCloser;
}

/** Default poll of the ended-sessions feed: a revoked session closes everywhere well within a second. */
export const SESSION_POLL_MS = 250;
const FEED_PAGE = 500;
/** Sessions are kept this long after they expired (a clock a little off must not resurrect one). */
const KEEP_EXPIRED_MS = 86_400_000;
/** Expired session rows are dropped from storage this often (and at start), not only at start. */
const STORAGE_PRUNE_MS = 3_600_000;

const endedMessage: Record<SessionEndReason, string> = {
  logout: 'signed out; log in again',
  account_changed: 'the account was disabled or changed; log in again',
};

/**
 * Login sessions: tokens stay stateless to verify (HMAC), and each names a session (`sid`) that can
 * end before the token expires (sign-out, account disabled or given another role or station).
 *
 * The check per request is two map lookups: sessions seen active and sessions seen ended, both
 * kept up to date by reading the store's feed of ended sessions every {@link SESSION_POLL_MS}
 * (which also brings ends made by other instances or by account changes). A session this
 * process has not seen yet is read from the store once. Open sync sockets and socket.io
 * connections register with {@link watch} and are closed (`SESSION_ENDED`) as soon as their
 * session ends, or (`TOKEN_EXPIRED`) when it expires without having been renewed.
 */
export class SessionService {
  /** Sessions seen open, with when they expire (then they are forgotten and read again if used). */
  private readonly active = new Map<string, { expiresAt: number }>();
  /** Ended sessions, with when their tokens expire anyway (then they are forgotten). */
  private readonly ended = new Map<string, { reason: SessionEndReason; expiresAt: number }>();
  private readonly live = new Map<string, Set<LiveEntry>>();
  private readonly now: () => number;
  private lastSeq = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private polling: Promise<void> | null = null;
  private lastPrune = 0;
  private lastStoragePrune = 0;

  constructor(
    private readonly storage: Storage,
    private readonly tokens: TokenService,
    private readonly options: SessionServiceOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Read the feed from its current end on, and forget long-expired sessions. */
  async start(): Promise<void> {
    await this.pruneStorage();
    this.lastSeq = await this.storage.lastSessionEndSeq();
    this.timer = setInterval(() => void this.poll(), this.options.pollMs ?? SESSION_POLL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.polling;
  }

  /** Log in: a new session and its first token. */
  async open(
    account: Pick<Account, 'id' | 'role' | 'stationId' | 'name'>,
    ttlSeconds: number,
  ): Promise<{ token: string; claims: TokenClaims }> {
    const issued = this.tokens.issue(claimsOf(account), ttlSeconds);
    const { sid, exp } = issued.claims;
    await this.storage.createSession({ id: sid, accountId: account.id, createdAt: this.now(), expiresAt: exp * 1000 });
    this.active.set(sid, { expiresAt: exp * 1000 });
    return issued;
  }

  /** Verify a bearer token and that its session is still open. Throws a coded AppError. */
  async authenticate(token: string | undefined | null): Promise<TokenClaims> {
    const claims = this.tokens.verify(token);
    await this.check(claims);
    return claims;
  }

  /**
   * A fresh token for the same session (an unattended wall renews before its token expires), if
   * the session is still open; `account` is the account as stored now.
   */
  async renew(
    claims: TokenClaims,
    account: Pick<Account, 'id' | 'role' | 'stationId' | 'name'>,
    ttlSeconds: number,
  ): Promise<{ token: string; claims: TokenClaims }> {
    await this.check(claims);
    const issued = this.tokens.issue(claimsOf(account), ttlSeconds, claims.sid);
    const expiresAt = issued.claims.exp * 1000;
    if (!(await this.storage.renewSession(claims.sid, expiresAt, this.now()))) {
      throw new AppError('SESSION_ENDED', 'session ended; log in again');
    }
    const cached = this.active.get(claims.sid);
    if (cached) cached.expiresAt = Math.max(cached.expiresAt, expiresAt);
    return issued;
  }

  /** End a session (sign-out): every connection of it closes at once, here and (via the feed) elsewhere. */
  async end(sid: string, reason: SessionEndReason): Promise<void> {
    await this.storage.endSession(sid, reason, this.now());
    const session = await this.storage.getSession(sid);
    this.ended.set(sid, { reason, expiresAt: session?.expiresAt ?? this.now() + KEEP_EXPIRED_MS });
    this.active.delete(sid);
    this.closeLive(sid, reason);
  }

  /**
   * Keep a live connection (sync socket, socket.io) only while its session lasts: `close` is
   * called once, when the session ends or expires. Renewals made meanwhile (here or on another
   * instance) extend it, however long: timers are re-armed in steps past setTimeout's ~24.8-day
   * limit. Returns the function to call when the connection closes by itself.
   */
  watch(claims: TokenClaims, close: SessionCloser): () => void {
    let done = false;
    const entry: LiveEntry = {
      close: (code, message) => {
        if (done) return;
        stop();
        close(code, message);
      },
    };
    let set = this.live.get(claims.sid);
    if (!set) this.live.set(claims.sid, (set = new Set()));
    set.add(entry);
    const expired = (): void => {
      // The token's expiry has come: the session may have been renewed since (maybe elsewhere).
      void this.storage.getSession(claims.sid).then(
        (s) => {
          if (done) return;
          if (s?.endedAt != null) entry.close('SESSION_ENDED', endedMessage[s.endReason ?? 'logout']);
          else if (s && s.expiresAt > this.now()) cancel = callAt(s.expiresAt, expired, this.now);
          else entry.close('TOKEN_EXPIRED', 'token expired, log in again');
        },
        () => entry.close('STORAGE_UNAVAILABLE', 'session could not be checked'),
      );
    };
    let cancel = callAt(claims.exp * 1000, expired, this.now);
    // Ended between the caller's authentication and this registration (the caller awaited other
    // reads meanwhile, and the feed closed the session's connections before this one was listed).
    const ended = this.ended.get(claims.sid);
    if (ended) queueMicrotask(() => entry.close('SESSION_ENDED', endedMessage[ended.reason]));
    const stop = (): void => {
      done = true;
      cancel();
      const entries = this.live.get(claims.sid);
      entries?.delete(entry);
      if (entries?.size === 0) this.live.delete(claims.sid);
    };
    return stop;
  }

  /** Live connections currently watched (tests, metrics). */
  get liveCount(): number {
    let n = 0;
    for (const s of this.live.values()) n += s.size;
    return n;
  }

  /** Read the feed of ended sessions once (the timer calls this; tests may too). */
  poll(): Promise<void> {
    this.polling ??= this.readFeed().finally(() => (this.polling = null));
    return this.polling;
  }

  private async readFeed(): Promise<void> {
    try {
      for (;;) {
        const ends = await this.storage.sessionEndsAfter(this.lastSeq, FEED_PAGE);
        for (const e of ends) {
          this.lastSeq = e.seq;
          this.ended.set(e.sessionId, { reason: e.reason, expiresAt: e.expiresAt });
          this.active.delete(e.sessionId);
          this.closeLive(e.sessionId, e.reason);
        }
        if (ends.length < FEED_PAGE) break;
      }
      this.pruneCache();
      if (this.now() - this.lastStoragePrune >= STORAGE_PRUNE_MS) await this.pruneStorage();
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  private async check(claims: TokenClaims): Promise<void> {
    const ended = this.ended.get(claims.sid);
    if (ended) throw new AppError('SESSION_ENDED', endedMessage[ended.reason]);
    if (this.active.has(claims.sid)) return;
    const s = await this.storage.getSession(claims.sid).catch(() => {
      throw new AppError('STORAGE_UNAVAILABLE', 'session could not be checked');
    });
    // A token signed by us whose session was never recorded (issued before sessions existed).
    if (!s || s.accountId !== claims.sub) throw new AppError('UNAUTHENTICATED', 'unknown session; log in again');
    if (s.endedAt !== null) {
      const reason = s.endReason ?? 'logout';
      this.ended.set(s.id, { reason, expiresAt: s.expiresAt });
      throw new AppError('SESSION_ENDED', endedMessage[reason]);
    }
    // Ended meanwhile (the feed ran during the read): `ended` wins, as above.
    if (this.ended.has(s.id)) throw new AppError('SESSION_ENDED', endedMessage[this.ended.get(s.id)!.reason]);
    this.active.set(s.id, { expiresAt: s.expiresAt });
  }

  private closeLive(sid: string, reason: SessionEndReason): void {
    for (const entry of [...(this.live.get(sid) ?? [])]) entry.close('SESSION_ENDED', endedMessage[reason]);
  }

  /** Drop session rows (and feed entries) whose tokens expired more than a day ago. */
  private async pruneStorage(): Promise<void> {
    this.lastStoragePrune = this.now();
    await this.storage.pruneSessions(this.lastStoragePrune - KEEP_EXPIRED_MS);
  }

  /** Forget cached sessions whose tokens have expired (once a minute). */
  private pruneCache(): void {
    const now = this.now();
    if (now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    for (const [sid, s] of this.active) if (s.expiresAt < now) this.active.delete(sid);
    for (const [sid, s] of this.ended) if (s.expiresAt < now) this.ended.delete(sid);
  }
}

function claimsOf(
  account: Pick<Account, 'id' | 'role' | 'stationId' | 'name'>,
): Omit<TokenClaims, 'sid' | 'iat' | 'exp'> {
  return { sub: account.id, role: account.role, stationId: account.stationId, name: account.name };
}
