// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { flushSync as flush } from 'svelte';
import { WALL_PAGE_MS } from './wall-page-time.ts';
import { wallPagesHarness } from './wall-pages-harness.svelte.ts';

const rows = (n: number) => Array.from({ length: n }, (_, i) => i);
/** The boards of the running test, destroyed (timers stopped) before its fake clock goes. */
const boards: (() => void)[] = [];

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubGlobal('location', { hash: '#/wall/op-1' });
  vi.stubGlobal('getComputedStyle', () => ({ fontSize: '10px', rowGap: '0' }));
});
afterEach(() => {
  for (const destroy of boards.splice(0)) destroy();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** A board of `initial` rows whose box fits `fit`, its effects run. */
function board(initial: readonly number[], fit: number) {
  const h = wallPagesHarness(initial, fit);
  boards.push(h.destroy);
  flush();
  return h;
}

describe('WallPages', () => {
  test('a quiet board turns a page every page time, and round', () => {
    const h = board(rows(9), 3);
    expect(h.pages.pages).toBe(3);
    const shown: number[] = [h.pages.current];
    for (let turn = 0; turn < 3; turn++) {
      vi.advanceTimersByTime(WALL_PAGE_MS);
      flush();
      shown.push(h.pages.current);
    }
    expect(shown).toEqual([0, 1, 2, 0]);
    expect(h.pages.shown).toEqual([0, 1, 2]);
  });

  test('a board whose list is re-derived every 2 s still turns its pages', () => {
    const h = board(rows(9), 3);
    const shown = new Set<number>();
    for (let ms = 0; ms < 30_000; ms += 2_000) {
      h.set(rows(9));
      flush();
      vi.advanceTimersByTime(2_000);
      flush();
      shown.add(h.pages.current);
    }
    expect(shown.size).toBeGreaterThan(1);
    expect([...shown].sort()).toEqual([0, 1, 2]);
  });

  test('a board losing pages shows its last one, then turns on from there', () => {
    const h = board(rows(9), 3);
    vi.advanceTimersByTime(2 * WALL_PAGE_MS);
    flush();
    expect(h.pages.current).toBe(2);
    h.set(rows(6));
    flush();
    expect(h.pages.pages).toBe(2);
    expect(h.pages.current).toBe(1);
    expect(h.pages.shown).toEqual([3, 4, 5]);
    vi.advanceTimersByTime(WALL_PAGE_MS);
    flush();
    expect(h.pages.current).toBe(0);
  });

  test('a box too small for one whole row shows none, on one page; grown, it shows whole rows again', () => {
    const h = board(rows(3), 0.6);
    expect(h.pages.shown).toEqual([]);
    expect(h.pages.pages).toBe(1);
    h.resize(2);
    flush();
    expect(h.pages.pages).toBe(2);
    expect(h.pages.shown).toEqual([0, 1]);
    h.resize(0.9);
    flush();
    expect(h.pages.shown).toEqual([]);
  });

  test('a board showing no row measures the rows it shows after a resize: never a cut row, never none where one fits', () => {
    // A 4K screen after 1080p: the box and the rows both twice as high, a row still too high.
    const grown = board(rows(3), 1);
    grown.rescale(30, 40);
    flush();
    expect(grown.pages.shown).toEqual([]);
    grown.rescale(60, 80);
    flush();
    expect(grown.pages.shown).toEqual([]);
    // Smaller rows again: one fits in the box, whatever height the board remembered.
    const shrunk = board(rows(3), 1);
    shrunk.rescale(70, 80);
    flush();
    expect(shrunk.pages.shown).toEqual([]);
    shrunk.rescale(45, 40);
    flush();
    expect(shrunk.pages.shown).toEqual([0]);
  });
});
