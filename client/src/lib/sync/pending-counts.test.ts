import { expect, test } from 'vitest';
import { memoryStorage } from '../state/memory-storage.test-support.ts';
import { pendingKey } from './local-copies.ts';
import { PENDING_BEAT_MS, PENDING_STALE_MS, PendingCount } from './pending-counts.ts';

const KEY = pendingKey('u-1', 'op-1/command');

test('an open page that keeps saying it is alive keeps its count; one that stopped is taken over', () => {
  const storage = memoryStorage();
  const t0 = 1_800_000_000_000;
  const open = new PendingCount('u-1', 'op-1/command', 'open', () => storage);
  const asleep = new PendingCount('u-1', 'op-1/command', 'asleep', () => storage);
  open.set(2, t0);
  asleep.set(3, t0);
  expect(storage.getItem(KEY)).toBe('5');
  // The open page's timer runs (a background tab's at least once a minute); the other's does not.
  for (let t = t0; t <= t0 + PENDING_STALE_MS + PENDING_BEAT_MS; t += 60_000) open.beat(t);
  const next = new PendingCount('u-1', 'op-1/command', 'next', () => storage);
  expect(next.claim(t0 + PENDING_STALE_MS + PENDING_BEAT_MS)).toBe(3);
  expect(storage.getItem(KEY)).toBe('5');
});

test('a page that lets go (reload, close) leaves its count to the next at once; a dropped copy leaves none', () => {
  const storage = memoryStorage();
  const leaving = new PendingCount('u-1', 'op-1/command', 'leaving', () => storage);
  leaving.set(2);
  leaving.release();
  leaving.set(5); // after letting go it writes no more
  const next = new PendingCount('u-1', 'op-1/command', 'next', () => storage);
  expect(next.claim()).toBe(2);
  expect(storage.getItem(KEY)).toBe('2');
  next.forget();
  expect(storage.length).toBe(0);
  expect(new PendingCount('u-1', 'op-1/command', 'after', () => storage).claim()).toBe(0);
});

test('a count of zero leaves no entry and no total behind', () => {
  const storage = memoryStorage();
  const page = new PendingCount('u-1', 'op-1/command', 'page', () => storage);
  page.set(1);
  page.set(0);
  expect(storage.length).toBe(0);
});
