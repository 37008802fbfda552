/** Which rows one page of a wall board shows: `[from, to)` of its list, which page it is, and how many there are. */
export interface PageRows {
  pages: number;
  /** The page shown, 0-based (`page` turned round to the pages there are). */
  current: number;
  from: number;
  to: number;
}

/**
 * Page `page` (turning round) of `count` rows on a board that fits `fit` rows: as few pages as
 * fit them, with the rows spread evenly over them, so that no page stands nearly empty (9 units
 * where 4 fit turn as 3, 3, 3, not 4, 4, 1; 13 as 4, 3, 3, 3).
 */
export function pageRows(count: number, fit: number, page: number): PageRows {
  const pages = Math.max(1, Math.ceil(count / Math.max(1, fit)));
  // The first `count % pages` pages take one row more than the others.
  const base = Math.floor(count / pages);
  const longer = count % pages;
  const current = ((page % pages) + pages) % pages;
  const from = current * base + Math.min(current, longer);
  return { pages, current, from, to: from + base + (current < longer ? 1 : 0) };
}
