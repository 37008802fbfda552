import { expect, test } from 'vitest';
import { ArrivalWatch } from './arrival-watch.ts';

test('nothing arrives before the first full sync, nor what the documents held then', () => {
  const watch = new ArrivalWatch(1000);
  expect(watch.observe(['t-1'], false, 0, new Set())).toBe(false);
  expect(watch.observe(['t-1', 't-2'], true, 10, new Set())).toBe(false);
  // Still settling: the rest of the first sync.
  expect(watch.observe(['t-1', 't-2', 't-3'], true, 500, new Set())).toBe(false);
  expect(watch.observe(['t-1', 't-2', 't-3'], true, 5000, new Set())).toBe(false);
});

test('a new unread task arrives once; a task already read does not', () => {
  const watch = new ArrivalWatch(1000);
  watch.observe([], true, 0, new Set());
  expect(watch.observe(['t-4'], true, 2000, new Set())).toBe(true);
  expect(watch.observe(['t-4'], true, 3000, new Set())).toBe(false);
  expect(watch.observe(['t-4', 't-5'], true, 4000, new Set(['t-5']))).toBe(false);
  // A task that left the inbox (retargeted) and came back is not new again.
  expect(watch.observe(['t-5'], true, 5000, new Set())).toBe(false);
  expect(watch.observe(['t-4', 't-5', 't-6'], false, 6000, new Set())).toBe(true);
});
