/**
 * Token buckets keyed by a string (a device id, a client address): `ratePerSecond` sustained,
 * `burst` at once, so a tracker app that flushes its offline buffer is not cut off while a runaway
 * one is.
 *
 * A take may cost several tokens (one per fix of a batch). A cost above the burst is let through
 * only when the bucket is full and leaves it in debt, which refills at the same rate: a batch larger
 * than the burst is never refused for good, and over time no key gets more than `ratePerSecond`.
 */
/** The answer of a rate check: allowed, or refused with the whole seconds to wait (Retry-After). */
export interface RateVerdict {
  ok: boolean;
  retryAfterSeconds: number;
}

/**
 * Token buckets as the ingest path uses them: in memory ({@link TokenBuckets}, one instance) or
 * shared by every instance (`RedisTokenBuckets` in server/src/cluster/live-token-buckets.ts).
 */
export interface RateBuckets {
  /** Take `cost` tokens for `key`; refused (nothing taken) when there are too few. */
  attempt(key: string, cost?: number): RateVerdict | Promise<RateVerdict>;
}

export class TokenBuckets implements RateBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
    /** Above this many keys, buckets that have refilled completely are dropped. */
    private readonly maxKeys = 100_000,
  ) {}

  /** Take `cost` tokens for `key`; false (and nothing taken) when there are too few. */
  take(key: string, cost = 1): boolean {
    const now = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxKeys) this.sweep(now);
      b = { tokens: this.burst, at: now };
      this.buckets.set(key, b);
    } else {
      b.tokens = this.level(b, now);
      b.at = now;
    }
    if (b.tokens < this.needed(cost)) return false;
    b.tokens -= cost;
    return true;
  }

  attempt(key: string, cost = 1): RateVerdict {
    if (this.take(key, cost)) return { ok: true, retryAfterSeconds: 0 };
    return { ok: false, retryAfterSeconds: this.retryAfterSeconds(key, cost) };
  }

  /** Whole seconds until a take of `cost` for `key` would succeed (for Retry-After); 0 when now. */
  retryAfterSeconds(key: string, cost = 1): number {
    const b = this.buckets.get(key);
    if (!b) return 0;
    const missing = this.needed(cost) - this.level(b, this.now());
    if (missing <= 0) return 0;
    return this.ratePerSecond > 0 ? Math.ceil(missing / this.ratePerSecond) : Number.POSITIVE_INFINITY;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Tokens a take of `cost` needs in the bucket: the cost, at most a full bucket (at least one). */
  private needed(cost: number): number {
    return Math.min(cost, Math.max(1, this.burst));
  }

  private level(b: { tokens: number; at: number }, now: number): number {
    // A clock stepped back adds nothing (and takes nothing): elapsed time is never negative.
    return Math.min(this.burst, b.tokens + (Math.max(0, now - b.at) / 1000) * this.ratePerSecond);
  }

  private sweep(now: number): void {
    for (const [key, b] of this.buckets) if (this.level(b, now) >= this.burst) this.buckets.delete(key);
  }
}
