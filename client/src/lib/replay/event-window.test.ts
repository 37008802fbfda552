import { describe, expect, it } from 'vitest';
import type { ReplayEvent, ReplayEventKind } from '@jointmap/shared';
import { currentIndex, scrollToShow, tickColumns, visibleRows } from './event-window.ts';

const ev = (time: number, kind: ReplayEventKind = 'unit_dispatched'): ReplayEvent => ({
  time,
  kind,
  stationId: 'deqing-yuyue',
  userId: null,
  title: `e${time}`,
  status: null,
});

describe('replay event list window', () => {
  it('finds the last event at or before the moment', () => {
    const events = [ev(10), ev(20), ev(20), ev(30)];
    expect(currentIndex(events, 5)).toBe(-1);
    expect(currentIndex(events, 10)).toBe(0);
    expect(currentIndex(events, 25)).toBe(2);
    expect(currentIndex(events, 99)).toBe(3);
    expect(currentIndex([], 99)).toBe(-1);
  });

  it('puts only the rows in view and a few more in the page, not thousands', () => {
    // 5,600 events, rows of 46 px in a 232 px list scrolled to row 1,000.
    const rows = visibleRows(46_000, 232, 46, 5_600, 10);
    expect(rows.start).toBe(990);
    expect(rows.end).toBe(1_016);
    expect(rows.end - rows.start).toBeLessThan(40);
    expect(visibleRows(0, 232, 46, 3, 10)).toEqual({ start: 0, end: 3 });
    expect(visibleRows(0, 0, 0, 5_600, 10)).toEqual({ start: 0, end: 20 });
    expect(visibleRows(1e9, 232, 46, 100, 10).end).toBe(100);
  });

  it('scrolls only when the current row is out of view', () => {
    expect(scrollToShow(2, 0, 232, 46)).toBeNull();
    expect(scrollToShow(100, 0, 232, 46)).toBe(100 * 46 - 116);
    expect(scrollToShow(-1, 0, 232, 46)).toBeNull();
  });

  it('marks the slider once per column, the most important kind first', () => {
    const events = [ev(0), ev(1, 'alert'), ev(2), ev(500, 'task_raised'), ev(501), ev(999)];
    const cols = tickColumns(events, 0, 1_000, 10);
    expect([...cols.entries()].sort((a, b) => a[0] - b[0])).toEqual([
      [0, 'alert'],
      [5, 'task_raised'],
      [9, 'unit_dispatched'],
    ]);
    // Thousands of events never give more marks than columns.
    const many = Array.from({ length: 5_000 }, (_, i) => ev(i * 7));
    expect(tickColumns(many, 0, 35_000, 300).size).toBeLessThanOrEqual(300);
  });
});
