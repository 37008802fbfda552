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
  private page = $state(0);
  private get rows() {
    return pageRows(this.items().length, this.fit, this.page);
  }
  get pages(): number {
    return this.rows.pages;
  }
  get current(): number {
    return this.rows.current;
  }
  get shown(): readonly T[] {
    return this.items().slice(this.rows.from, this.rows.to);
  }

  constructor(private readonly items: () => readonly T[]) {
    // Only a change of the count re-measures (a row's record changing must not force a layout).
    const count = $derived(this.items().length);
    $effect(() => {
      void this.boxHeight;
      void count;
      this.fit = rowsThatFit(this.list, this.fit);
    });
    $effect(() => {
      if (this.pages <= 1) return;
      const timer = setInterval(() => (this.page = (this.page + 1) % this.pages), wallPageMs());
      return () => clearInterval(timer);
    });
  }
}
