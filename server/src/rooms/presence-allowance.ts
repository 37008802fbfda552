/**
 * What a presence state costs beyond its own bytes: what every state costs the room whatever its
 * size (decoding, stamping, a relay entry for every member, a Redis message), so that many tiny
 * states cannot outrun the budget either.
 */
export const AWARENESS_STATE_COST_BYTES = 256;

/**
 * The presence one connection may publish: states up to `maxStateBytes`, and a token bucket of
 * `bytesPerSecond` holding two seconds' worth (a burst of cursor moves passes whole; the largest
 * state must fit in it, or it would never pass). A plain pair of numbers, not a keyed
 * `TokenBuckets`: it is consulted for every state a connection sets.
 */
export class PresenceAllowance {
  private tokens: number;
  private at: number;
  private readonly burst: number;

  constructor(
    readonly maxStateBytes: number,
    private readonly bytesPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.burst = 2 * bytesPerSecond;
    this.tokens = this.burst;
    this.at = now();
  }

  /** Take the cost of one state of `bytes`; false (nothing taken) when the bucket holds too little. */
  take(bytes: number): boolean {
    const now = this.now();
    // A clock stepped back adds nothing (and takes nothing): elapsed time is never negative.
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.at) * this.bytesPerSecond) / 1000);
    this.at = now;
    const cost = bytes + AWARENESS_STATE_COST_BYTES;
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }
}
