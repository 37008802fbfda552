/** How recent a unit's last fix is: drawn normally, greyed out, or marked lost. */
export const Freshness = { live: 'live', stale: 'stale', lost: 'lost' } as const;
export type Freshness = keyof typeof Freshness;

export interface FreshnessThresholds {
  /** No fix for this long: the unit is drawn grey. */
  staleAfterMs: number;
  /** No fix for this long: the unit is marked lost. */
  lostAfterMs: number;
}

/**
 * 60 s to grey, 5 minutes to lost: the defaults of the server's `STALE_AFTER_MS` and
 * `LOST_AFTER_MS`, which it sends in the live snapshot (clients use these until it arrives).
 */
export const DEFAULT_FRESHNESS: FreshnessThresholds = Object.freeze({ staleAfterMs: 60_000, lostAfterMs: 5 * 60_000 });

/**
 * Freshness of a unit whose newest fix was taken at `lastFixTime` (epoch ms), seen at `now` (epoch
 * ms, on the same clock: clients add their offset to the server's `serverTime`). A unit with no
 * fix at all is lost. A fix slightly in the future (clock skew) counts as live.
 *
 * @example
 * unitFreshness(pos.time, Date.now() + serverOffset) // 'live' | 'stale' | 'lost'
 */
export function unitFreshness(
  lastFixTime: number | null | undefined,
  now: number,
  thresholds: FreshnessThresholds = DEFAULT_FRESHNESS,
): Freshness {
  if (lastFixTime === null || lastFixTime === undefined || !Number.isFinite(lastFixTime)) return 'lost';
  const age = now - lastFixTime;
  if (age >= thresholds.lostAfterMs) return 'lost';
  if (age >= thresholds.staleAfterMs) return 'stale';
  return 'live';
}

/**
 * The moment (epoch ms) at which `unitFreshness` will next change for this fix, or null when it
 * never changes again (already lost). Lets a layer schedule one timer instead of polling.
 */
export function nextFreshnessChange(
  lastFixTime: number | null | undefined,
  now: number,
  thresholds: FreshnessThresholds = DEFAULT_FRESHNESS,
): number | null {
  switch (unitFreshness(lastFixTime, now, thresholds)) {
    case 'live':
      return lastFixTime! + thresholds.staleAfterMs;
    case 'stale':
      return lastFixTime! + thresholds.lostAfterMs;
    case 'lost':
      return null;
  }
}

/** Thresholds are usable when both are positive and stale comes before lost. */
export function validThresholds(t: FreshnessThresholds): boolean {
  return (
    Number.isFinite(t.staleAfterMs) &&
    Number.isFinite(t.lostAfterMs) &&
    t.staleAfterMs > 0 &&
    t.lostAfterMs > t.staleAfterMs
  );
}
