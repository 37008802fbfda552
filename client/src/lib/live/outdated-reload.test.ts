import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import {
  OUTDATED_RELOAD_DELAY_MS,
  OUTDATED_RELOAD_GAP_MS,
  OUTDATED_RELOAD_KEY,
  reloadWhenSafe,
  type OutdatedReloadOptions,
} from './outdated-reload.ts';

/** A tab's sessionStorage. */
function tabStorage(): Pick<Storage, 'getItem' | 'setItem'> {
  const items = new Map<string, string>();
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v) };
}

/** A refused tab: counts its reloads; `random` 0 so the wait is exactly the delay. */
function tab(overrides: Partial<OutdatedReloadOptions> = {}) {
  const reloads: number[] = [];
  const options: OutdatedReloadOptions = {
    unsentEdits: () => 0,
    busy: () => false,
    reload: () => reloads.push(Date.now()),
    storage: tabStorage(),
    random: () => 0,
    ...overrides,
  };
  return { reloads, options, cancel: reloadWhenSafe(options) };
}

beforeEach(() => void vi.useFakeTimers({ now: 1_800_000_000_000 }));
afterEach(() => void vi.useRealTimers());

test('a client the server refused as too old reloads after a short wait, and notes when', () => {
  const { reloads, options } = tab();
  vi.advanceTimersByTime(OUTDATED_RELOAD_DELAY_MS - 1);
  expect(reloads).toHaveLength(0);
  vi.advanceTimersByTime(1);
  expect(reloads).toHaveLength(1);
  expect(options.storage!.getItem(OUTDATED_RELOAD_KEY)).toBe(String(reloads[0]));
});

test('a page still refused after its reload waits ten minutes before the next: no reload loop', () => {
  const storage = tabStorage();
  const first = tab({ storage });
  vi.advanceTimersByTime(OUTDATED_RELOAD_DELAY_MS);
  expect(first.reloads).toHaveLength(1);
  // The reloaded page (same tab, same sessionStorage) is refused again: ten minutes after the reload.
  const second = tab({ storage });
  vi.advanceTimersByTime(OUTDATED_RELOAD_GAP_MS - 1);
  expect(second.reloads).toHaveLength(0);
  vi.advanceTimersByTime(1);
  expect(second.reloads).toHaveLength(1);
});

test('never while edits are unsent or unstored, nor while someone types: it reloads once they are done', () => {
  let unsent = 2;
  let typing = true;
  const { reloads } = tab({ unsentEdits: () => unsent, busy: () => typing });
  vi.advanceTimersByTime(5 * 60_000);
  expect(reloads).toHaveLength(0);
  unsent = 0;
  vi.advanceTimersByTime(60_000);
  expect(reloads).toHaveLength(0);
  typing = false;
  vi.advanceTimersByTime(5_000);
  expect(reloads).toHaveLength(1);
});

test('without sessionStorage nothing would stop a loop: the page shows the message and stays', () => {
  const { reloads } = tab({ storage: null as unknown as Storage });
  vi.advanceTimersByTime(OUTDATED_RELOAD_GAP_MS * 2);
  expect(reloads).toHaveLength(0);
});

test('walls refused at once spread their reloads over the delay; a cancelled one never reloads', () => {
  const late = tab({ random: () => 0.99 });
  vi.advanceTimersByTime(OUTDATED_RELOAD_DELAY_MS);
  expect(late.reloads).toHaveLength(0);
  vi.advanceTimersByTime(OUTDATED_RELOAD_DELAY_MS);
  expect(late.reloads).toHaveLength(1);
  const gone = tab();
  gone.cancel();
  vi.advanceTimersByTime(OUTDATED_RELOAD_GAP_MS);
  expect(gone.reloads).toHaveLength(0);
});
