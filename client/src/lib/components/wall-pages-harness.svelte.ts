import { WallPages } from './wall-pages.svelte.ts';

/**
 * A {@link WallPages} outside a component, for its tests: its list is a stand-in `<ul>` of rows
 * 10 px high in a box of `fit` rows, and `set` replaces its items as a board's `$derived` list
 * does. Nothing runs until the test flushes Svelte; `destroy` stops its effects (and timer).
 */
export function wallPagesHarness(initial: readonly number[], fit: number) {
  let items = $state.raw(initial);
  let paging: WallPages<number> | undefined;
  const destroy = $effect.root(() => {
    paging = new WallPages(() => items);
    paging.list = {
      firstElementChild: { getBoundingClientRect: () => ({ height: 10 }) },
      clientHeight: fit * 10,
    } as unknown as HTMLUListElement;
  });
  return {
    get pages(): WallPages<number> {
      if (!paging) throw new Error('flush first: the effect root creates the WallPages');
      return paging;
    },
    set(next: readonly number[]) {
      items = next;
    },
    destroy,
  };
}
