import { describe, expect, it } from 'vitest';
import { pageRows, RowMeasure, rowsThatFit } from './wall-page-rows.ts';

/** The rows of every page, in order. */
const split = (count: number, fit: number) => {
  const { pages } = pageRows(count, fit, 0);
  return Array.from({ length: pages }, (_, p) => {
    const { from, to } = pageRows(count, fit, p);
    return to - from;
  });
};

describe('pageRows', () => {
  it('spreads the rows evenly over as few pages as fit them', () => {
    expect(split(9, 4)).toEqual([3, 3, 3]);
    expect(split(5, 4)).toEqual([3, 2]);
    expect(split(8, 4)).toEqual([4, 4]);
    expect(split(13, 4)).toEqual([4, 3, 3, 3]);
    expect(split(3, 4)).toEqual([3]);
  });

  it('shows every row exactly once over a turn of the pages, never more rows than fit, pages differing by one row at most', () => {
    for (let count = 0; count <= 40; count++)
      for (let fit = 1; fit <= 12; fit++) {
        const { pages } = pageRows(count, fit, 0);
        const shown: number[] = [];
        for (let p = 0; p < pages; p++) {
          const { from, to } = pageRows(count, fit, p);
          expect(to - from).toBeLessThanOrEqual(fit);
          expect(Math.abs(to - from - count / pages)).toBeLessThan(1);
          for (let i = from; i < to; i++) shown.push(i);
        }
        expect(shown).toEqual(Array.from({ length: count }, (_, i) => i));
        expect(pages).toBe(Math.max(1, Math.ceil(count / fit)));
      }
  });

  it('turns round: page numbers past the last start again at the first', () => {
    expect(pageRows(9, 4, 3)).toEqual(pageRows(9, 4, 0));
    expect(pageRows(9, 4, 5)).toEqual({ pages: 3, current: 2, from: 6, to: 9 });
    expect(pageRows(0, 4, 2)).toEqual({ pages: 1, current: 0, from: 0, to: 0 });
  });
});

describe('rowsThatFit', () => {
  it('counts whole rows with the gaps between them', () => {
    expect(rowsThatFit(100, 30, 5)).toBe(3);
    expect(rowsThatFit(99.5, 30, 5)).toBe(2);
    expect(rowsThatFit(75.3, 75.3, 8.1)).toBe(1);
  });

  it('is none when not even one row fits: a row is never shown cut', () => {
    expect(rowsThatFit(60.6, 75.3, 8.1)).toBe(0);
    expect(rowsThatFit(0, 39, 4)).toBe(0);
  });

  it('takes a row reaching a fraction of a pixel past the box for whole (layout rounding)', () => {
    expect(rowsThatFit(75.1, 75.3, 8.1)).toBe(1);
    expect(rowsThatFit(74.9, 75.3, 8.1)).toBe(0);
  });
});

describe('pageRows on a board that fits no row', () => {
  it('shows none, on a single page', () => {
    for (const page of [0, 1, 5]) expect(pageRows(7, 0, page)).toEqual({ pages: 1, current: 0, from: 0, to: 0 });
  });
});

describe('RowMeasure', () => {
  it('knows no row height until a row was measured: it fits none and needs nothing', () => {
    const m = new RowMeasure();
    expect(m.measure(20, 4, 0)).toBe(false);
    expect(m.fit(1000)).toBe(0);
    expect(m.rowHeight).toBe(0);
    expect(m.contentEms(3, 10)).toBe(0);
  });

  it('keeps the row height in em while no row is shown: it follows the font-size', () => {
    const m = new RowMeasure();
    expect(m.measure(20, 0, 30)).toBe(true);
    expect(m.fit(100)).toBe(3);
    // Nothing shown at half the font-size: the row is 15 px now, not the 30 px measured.
    expect(m.measure(10, 0, 0)).toBe(true);
    expect(m.rowHeight).toBe(15);
    expect(m.fit(100)).toBe(6);
    // A row measured again replaces the kept height.
    m.measure(10, 0, 20);
    expect(m.rowHeight).toBe(20);
  });

  it('fits whole rows with the gaps between them', () => {
    const m = new RowMeasure();
    m.measure(16, 8.1, 75.3);
    // A row 0.2 px higher than the box still fits: heights are read rounded (a 0.25 px allowance).
    expect(m.fit(75.1)).toBe(1);
    expect(m.fit(74.9)).toBe(0);
    expect(m.fit(3 * 75.3 + 2 * 8.1)).toBe(3);
  });

  it('needs, for N rows below what comes above them, their heights and the gaps between them, 0.1em to spare, rounded up to 0.01em', () => {
    const m = new RowMeasure();
    m.measure(16, 4, 23.3);
    // (10 + 3 × 23.3 + 2 × 4) / 16 = 5.49375, and 0.1em: 5.59375, rounded up.
    expect(m.contentEms(3, 10)).toBe(5.6);
    // One row: no gap. (23.3 / 16 = 1.45625) + 0.1 = 1.55625.
    expect(m.contentEms(1)).toBe(1.56);
    // Whole: 20 px rows, no gap, 20 px em: 4 rows are 4em, and 0.1em.
    m.measure(20, 0, 20);
    expect(m.contentEms(4)).toBe(4.1);
  });
});
