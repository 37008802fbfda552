// @vitest-environment jsdom
import { afterEach, expect, test, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import type { ReplayEvent } from '@jointmap/shared';
import { i18n } from '../i18n/i18n.svelte.ts';
import ReplayEvents from './ReplayEvents.svelte';

afterEach(() => {
  i18n.locale = 'zh-CN';
  vi.unstubAllGlobals();
});

const T0 = 1_780_000_000_000;
const search = (time: number, kind: ReplayEvent['kind'], status: string): ReplayEvent => ({
  time,
  kind,
  stationId: 'command',
  userId: 'u-cmd',
  title: '走失老人协查',
  status,
  searchId: 's-t-lost01',
  taskId: 't-lost01',
  taskStationId: 'linping-yunhe',
});

test('a search ended as found and then resumed lists the resume as its own event: 恢复搜索, Search resumed', () => {
  // jsdom has no ResizeObserver: the list measures its rows with one.
  vi.stubGlobal(
    'ResizeObserver',
    class {
      observe(): void {}
      disconnect(): void {}
    },
  );
  const events = [
    search(T0, 'search_started', 'active'),
    search(T0 + 25 * 60_000, 'search_closed', 'found'),
    search(T0 + 40 * 60_000, 'search_resumed', 'active'),
  ];
  const target = document.createElement('div');
  document.body.append(target);
  const app = mount(ReplayEvents, {
    target,
    props: {
      events,
      at: T0 + 41 * 60_000,
      from: T0,
      to: T0 + 60 * 60_000,
      stationName: () => '联合指挥部',
      onjump: () => {},
    },
  });
  flushSync();
  const rows = () =>
    [...target.querySelectorAll('[data-testid="replay-event"]')].map((b) => [
      b.getAttribute('data-kind'),
      b.querySelector('.kind')?.textContent,
      b.querySelector('.who')?.textContent,
    ]);
  expect(rows()).toEqual([
    ['search_started', '开始搜索', '联合指挥部·进行中'],
    ['search_closed', '搜索结束', '联合指挥部·已找到'],
    ['search_resumed', '恢复搜索', '联合指挥部·进行中'],
  ]);
  i18n.locale = 'en';
  flushSync();
  expect(rows().map((r) => r[1])).toEqual(['Search started', 'Search ended', 'Search resumed']);
  expect(rows()[2]![2]).toBe('联合指挥部·Active');
  unmount(app);
  target.remove();
});
