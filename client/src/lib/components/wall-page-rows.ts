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

/**
 * How one wall list measures its rows (PresencePanel, and each board through {@link WallPages}):
 * a row's height in em of the list, kept while the list shows no row to measure (so that it holds
 * at whatever font-size the screen has then), the whole rows that fit in a height, and the height
 * a number of rows needs.
 */
export class RowMeasure {
  /** A row's height in em of the list; 0 until a row was measured. */
  private rowEms = 0;
  /** The list's font-size and the space between its rows, px, as last measured. */
  private em = 0;
  private gap = 0;

  /**
   * Takes the list's font-size and row gap (px) and a row's height as shown now (px; 0 while the
   * list shows none, which keeps the height last measured, in em). Whether a row height is known.
   */
  measure(em: number, gap: number, row: number): boolean {
    this.em = em > 0 ? em : 0;
    this.gap = gap;
    if (row > 0 && this.em) this.rowEms = row / this.em;
    return this.rowHeight > 0;
  }

  /** A row's height at the font-size last measured, px; 0 while none is known. */
  get rowHeight(): number {
    return this.rowEms * this.em;
  }

  /** Whole rows that fit in `room` px ({@link rowsThatFit}); none while no row height is known. */
  fit(room: number): number {
    return this.rowHeight > 0 ? rowsThatFit(room, this.rowHeight, this.gap) : 0;
  }

  /**
   * The height, em, that `rows` rows need below `above` px (what comes before them, and the gap
   * after it): 0.1em to spare (a box's height is read in whole pixels), rounded up to 0.01em so
   * that measuring again at sub-pixel differences changes nothing. 0 while no row height is known.
   */
  contentEms(rows: number, above = 0): number {
    if (!this.rowHeight) return 0;
    const px = above + rows * this.rowHeight + Math.max(0, rows - 1) * this.gap;
    return Math.ceil((px / this.em + 0.1) * 100) / 100;
  }
}
