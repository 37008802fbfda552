import { untrack } from 'svelte';
import { WallPages } from './wall-pages.svelte.ts';

/** Height of a stand-in row, px. */
const ROW = 10;

/**
 * A {@link WallPages} outside a component, for its tests: its list is a stand-in `<ul>` holding a
 * row 10 px high for each row shown, in a box of `fit` rows; `set` replaces its items as a board's
 * `$derived` list does, `resize` gives the box room for `fit` rows (as its bound height follows),
 * `rescale` sets the box's and the rows' heights in px.
 * Nothing runs until the test flushes Svelte; `destroy` stops its effects (and timer).
 */
export function wallPagesHarness(initial: readonly number[], fit: number) {
  let items = $state.raw(initial);
  let paging: WallPages<number> | undefined;
  let rowHeight = ROW;
  const row = { getBoundingClientRect: () => ({ height: rowHeight }) };
  // The rows the board shows now; read untracked, as a real list's children are.
  const shownRows = () => untrack(() => paging?.shown.map(() => row) ?? []);
  // A class, not a plain object: `$state` keeps it as it is (it would proxy a copy of an object literal).
  class StandInList {
    clientHeight = fit * ROW;
    get children() {
      return shownRows();
    }
    get firstElementChild() {
      return shownRows()[0] ?? null;
    }
  }
  const list = new StandInList();
  const destroy = $effect.root(() => {
    paging = new WallPages(() => items);
    paging.list = list as unknown as HTMLUListElement;
    paging.boxHeight = list.clientHeight;
  });
  return {
    get pages(): WallPages<number> {
      if (!paging) throw new Error('flush first: the effect root creates the WallPages');
      return paging;
    },
    set(next: readonly number[]) {
      items = next;
    },
    resize(rows: number) {
      list.clientHeight = rows * rowHeight;
      this.pages.boxHeight = list.clientHeight;
    },
    /** The box `box` px high and each row `row` px (the screen's size changed: both scale). */
    rescale(box: number, row: number) {
      rowHeight = row;
      list.clientHeight = box;
      this.pages.boxHeight = box;
    },
    destroy,
  };
}
