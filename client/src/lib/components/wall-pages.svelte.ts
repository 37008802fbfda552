import { pageRows, RowMeasure } from './wall-page-rows.ts';
import { wallPageMs } from './wall-page-time.ts';

/** The height of the tallest row `list` shows, 0 while it shows none (or is not laid out). */
function tallestRow(list: HTMLElement): number {
  let tallest = 0;
  for (const row of Array.from(list.children)) tallest = Math.max(tallest, row.getBoundingClientRect().height);
  return tallest;
}

/**
 * One wall board's pages: as few as its list box fits the rows on, the rows spread evenly over
 * them ({@link pageRows}), turned every {@link wallPageMs} (a wall never scrolls). Create it while
 * a component initialises (it runs effects); bind `list` and `boxHeight` to the board's `<ul>`.
 */
export class WallPages<T> {
  list = $state<HTMLUListElement>();
  boxHeight = $state(0);
  /** Whole rows the list box fits (measured; every row until then). */
  private fit = $state(1000);
  /**
   * The tallest row of the page last measured, in em: a box too small for any row shows none, and
   * is measured against this height when it grows again.
   */
  private readonly rowMeasure = new RowMeasure();
  /** The box height at which a board showing no row last showed one to measure it. */
  private triedBox = -1;
  /** The page the timer turned to; shown as the last page while the board has fewer. */
  private page = $state(0);
  /**
   * A number, so a board whose list is re-derived as a new array of the same length (on any change
   * to its records) neither re-measures nor restarts its page timer.
   */
  private readonly count = $derived.by(() => this.items().length);
  private readonly pageCount = $derived.by(() => pageRows(this.count, this.fit, 0).pages);
  private readonly rows = $derived.by(() => pageRows(this.count, this.fit, Math.min(this.page, this.pageCount - 1)));
  get pages(): number {
    return this.pageCount;
  }
  get current(): number {
    return this.rows.current;
  }
  get shown(): readonly T[] {
    return this.items().slice(this.rows.from, this.rows.to);
  }

  constructor(private readonly items: () => readonly T[]) {
    // Only a change of the box, the count or the rows shown re-measures (a row's record changing
    // must not force a layout). The rows are measured as they are shown: after a resize they may be
    // taller or shorter than those a remembered height came from, so a board showing none whose box
    // changed shows one to measure it (and goes back to none if it does not fit), once per box
    // height. All of it runs before the browser paints: no cut row is ever seen.
    $effect(() => {
      void this.boxHeight;
      void this.count;
      void (this.rows.to - this.rows.from);
      const list = this.list;
      if (!list) return;
      const measured = tallestRow(list);
      if (!measured && this.count > 0 && list.clientHeight !== this.triedBox) {
        this.triedBox = list.clientHeight;
        this.fit = 1;
        return;
      }
      const style = getComputedStyle(list);
      if (!this.rowMeasure.measure(parseFloat(style.fontSize), parseFloat(style.rowGap) || 0, measured)) return;
      this.fit = this.rowMeasure.fit(list.clientHeight);
    });
    // Restarted only when the number of pages changes: a board whose records change more often
    // than its page time must still turn. The page is read when the timer fires, not tracked here.
    $effect(() => {
      const pages = this.pageCount;
      if (pages <= 1) return;
      const timer = setInterval(() => (this.page = (this.current + 1) % pages), wallPageMs());
      return () => clearInterval(timer);
    });
  }
}
