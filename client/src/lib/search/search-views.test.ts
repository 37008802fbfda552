import { afterEach, expect, test, vi } from 'vitest';
import type { Annotation, Search, Sector } from '@jointmap/shared';
import { areaCandidates, drawingSince, searchOfTask, sectorsOfSearch } from './search-views.ts';
import { newMarker } from './markers.ts';

const s = (id: string, taskId: string, status: Search['status'], createdAt: number): Search =>
  ({ id, taskId, taskStationId: 'st', status, createdAt }) as Search;

test("a task's search is its active one, else its newest; other tasks' searches are not", () => {
  const all = [
    s('old', 't1', 'closed', 1),
    s('act', 't1', 'active', 2),
    s('new', 't1', 'found', 3),
    s('x', 't2', 'active', 9),
  ];
  expect(searchOfTask(all, { id: 't1', stationId: 'st' })?.id).toBe('act');
  expect(searchOfTask(all.slice(0, 1).concat(all.slice(2)), { id: 't1', stationId: 'st' })?.id).toBe('new');
  expect(searchOfTask(all, { id: 't1', stationId: 'other' })).toBeNull();
});

test("a search's sectors come in radio order", () => {
  const sec = (id: string, name: string, searchId: string) => ({ id, name, searchId }) as Sector;
  const list = [sec('1', 'B1', 's'), sec('2', 'A10', 's'), sec('3', 'A2', 's'), sec('4', 'A1', 'other')];
  expect(sectorsOfSearch(list, { id: 's' }).map((x) => x.name)).toEqual(['A2', 'A10', 'B1']);
});

test('clue and found markers are point annotations with their symbol and colour', () => {
  const clue = newMarker('clue', [120.1, 30.1], '线索：蓝色三轮车', 'deqing', 10, 'a1');
  expect(clue).toEqual({
    id: 'a1',
    kind: 'point',
    geometry: { type: 'Point', coordinates: [120.1, 30.1] },
    label: '线索：蓝色三轮车',
    color: '#0284c7',
    symbol: 'clue',
    author: 'deqing',
    createdAt: 10,
    updatedAt: 10,
  });
});

test('area candidates: drawn polygons and circles of every document, newest first; points are not areas', () => {
  const base = { label: '', color: '#dc2626', author: 'u', createdAt: 0 };
  const square: GeoJSON.Polygon = {
    type: 'Polygon',
    coordinates: [
      [
        [120, 30],
        [120.01, 30],
        [120.01, 30.01],
        [120, 30],
      ],
    ],
  };
  const poly = { ...base, id: 'p', kind: 'polygon', geometry: square, label: '搜索区', updatedAt: 1 } as Annotation;
  const circle = {
    ...base,
    id: 'c',
    kind: 'circle',
    geometry: { type: 'Point', coordinates: [120.2, 30.5] },
    radiusM: 500,
    updatedAt: 2,
  } as Annotation;
  const pt = {
    ...base,
    id: 'x',
    kind: 'point',
    geometry: { type: 'Point', coordinates: [120, 30] },
    updatedAt: 3,
  } as Annotation;
  const out = areaCandidates(
    [
      { scope: 'command', annotations: [poly] },
      { scope: 'deqing-yuyue', annotations: [circle, pt] },
    ],
    (a, scope) => `${a.label || a.kind} · ${scope}`,
  );
  expect(out.map((c) => [c.key, c.label])).toEqual([
    ['deqing-yuyue/c', 'circle · deqing-yuyue'],
    ['command/p', '搜索区 · command'],
  ]);
  expect(out[1]!.polygon).toEqual(square);
  // The circle became a closed ring whose points lie 500 m from its centre.
  const ring = out[0]!.polygon.coordinates[0]!;
  expect(ring[0]).toEqual(ring[ring.length - 1]);
  const [lng, lat] = ring[0]!;
  const dx = (lng! - 120.2) * 111_195 * Math.cos((30.5 * Math.PI) / 180);
  const dy = (lat! - 30.5) * 111_195;
  expect(Math.hypot(dx, dy)).toBeGreaterThan(490);
  expect(Math.hypot(dx, dy)).toBeLessThan(510);
});

afterEach(() => {
  vi.useRealTimers();
});

test('the polygon drawn as the area is told by the server’s clock, on a PC running minutes fast too', () => {
  const server = 1_700_000_000_000;
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(server + 5 * 60_000); // this PC is 5 minutes ahead of the server
  // The live layer's estimate of the server's clock is all that is read.
  const session = { live: { now: () => server } } as unknown as Parameters<typeof drawingSince>[0];
  const drawn = drawingSince(session);
  // Drawn 30 s later, stamped (like every record) with the server's time.
  expect(drawn({ kind: 'polygon', createdAt: server + 30_000 })).toBe(true);
  expect(drawn({ kind: 'polygon', createdAt: server - 1 })).toBe(false);
  expect(drawn({ kind: 'line', createdAt: server + 30_000 })).toBe(false);
  expect(drawn(undefined)).toBe(false);
});
