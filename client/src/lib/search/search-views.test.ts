import { expect, test } from 'vitest';
import type { Search, Sector } from '@jointmap/shared';
import { searchOfTask, sectorsOfSearch } from './search-views.ts';
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
  expect(sectorsOfSearch(list, 's').map((x) => x.name)).toEqual(['A2', 'A10', 'B1']);
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
