import { pageRows } from './wall-page-rows.ts';
import { wallPageMs } from './wall-page-time.ts';

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

/**
 * One wall board's pages: as few as its list box fits the rows on, the rows spread evenly over
 * them ({@link pageRows}), turned every {@link wallPageMs} (a wall never scrolls). Create it while
 * a component initialises (it runs effects); bind `list` and `boxHeight` to the board's `<ul>`.
 */
export class WallPages<T> {
  list = $state<HTMLUListElement>();
  boxHeight = $state(0);
  /** Rows the list box fits (measured). */
  private fit = $state(1000);
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
    // Only a change of the count re-measures (a row's record changing must not force a layout).
    $effect(() => {
      void this.boxHeight;
      void this.count;
      this.fit = rowsThatFit(this.list, this.fit);
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
