/** Which rows one page of a wall board shows: `[from, to)` of its list, which page it is, and how many there are. */
export interface PageRows {
  pages: number;
  /** The page shown, 0-based (`page` turned round to the pages there are). */
  current: number;
  from: number;
  to: number;
}

/** What a row may reach past its list's box and still count as whole: less than a device pixel. */
const SLACK_PX = 0.25;

/**
 * How many whole rows `rowHeight` high, `gap` apart, fit in a list box `room` high: none when not
 * even one does (a board shows no row rather than one cut off; its heading still counts them).
 */
export function rowsThatFit(room: number, rowHeight: number, gap: number): number {
  return Math.max(0, Math.floor((room + gap + SLACK_PX) / (rowHeight + gap)));
}

/**
 * Page `page` (turning round) of `count` rows on a board that fits `fit` rows: as few pages as
 * fit them, with the rows spread evenly over them, so that no page stands nearly empty (9 units
 * where 4 fit turn as 3, 3, 3, not 4, 4, 1; 13 as 4, 3, 3, 3). A board that fits no row has one
 * page showing none.
 */
export function pageRows(count: number, fit: number, page: number): PageRows {
  if (fit < 1) return { pages: 1, current: 0, from: 0, to: 0 };
  const pages = Math.max(1, Math.ceil(count / fit));
  // The first `count % pages` pages take one row more than the others.
  const base = Math.floor(count / pages);
  const longer = count % pages;
  const current = ((page % pages) + pages) % pages;
  const from = current * base + Math.min(current, longer);
  return { pages, current, from, to: from + base + (current < longer ? 1 : 0) };
}
