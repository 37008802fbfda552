/** How long to wait between attempts: the first wait, doubled after each failure up to the longest. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/**
 * The wait before the next attempt after `failures` failed ones in a row (0: the first retry).
 * Bounded, so something left alone for days (a wall display, a server whose storage stays away)
 * keeps trying about once every `maxMs`. One rule for the console and the server.
 *
 * @example backoffDelay(0, { baseMs: 2000, maxMs: 60_000 }) === 2000; backoffDelay(5, { baseMs: 2000, maxMs: 60_000 }) === 60_000
 */
export function backoffDelay(failures: number, { baseMs, maxMs }: Backoff): number {
  // The exponent is capped so a count that grew for days cannot overflow to Infinity or NaN.
  const exponent = Math.min(Math.max(0, Math.floor(failures)), 30);
  return Math.min(maxMs, baseMs * 2 ** exponent);
}
