/** How often the wall's boards turn to their next page when their rows do not all fit. */
export const WALL_PAGE_MS = 8_000;

/**
 * The page time of this wall: `?page=<seconds>` in its address (`#/wall/<id>?page=12`, 2 to 120 s),
 * so a site sets it per screen (a far screen reads slower); {@link WALL_PAGE_MS} otherwise.
 */
export function wallPageMs(hash = location.hash): number {
  const seconds = Number(new URLSearchParams(hash.split('?')[1] ?? '').get('page'));
  return Number.isFinite(seconds) && seconds >= 2 && seconds <= 120 ? seconds * 1000 : WALL_PAGE_MS;
}
