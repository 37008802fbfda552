/** How often the wall's boards turn to their next page when their rows do not all fit. */
export const WALL_PAGE_MS = 8_000;

/**
 * How many rows of `list` fit in its box: its height against the height of its first row plus the
 * gap between rows. `fallback` while there is no row to measure yet.
 */
export function rowsThatFit(list: HTMLElement | undefined, fallback: number): number {
  const row = list?.firstElementChild as HTMLElement | null | undefined;
  if (!list || !row) return fallback;
  const rowHeight = row.getBoundingClientRect().height;
  if (rowHeight <= 0) return fallback;
  const gap = parseFloat(getComputedStyle(list).rowGap) || 0;
  return Math.max(1, Math.floor((list.clientHeight + gap) / (rowHeight + gap)));
}
