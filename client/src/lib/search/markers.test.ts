import { expect, test } from 'vitest';
import type { Search } from '@jointmap/shared';
import { foundChoices, newMarker, type MarkerEntry, type MarkerSymbol } from './markers.ts';

/** A search area of about 2 × 2 km around 禹越. */
const area: Search['area'] = {
  type: 'Polygon',
  coordinates: [
    [
      [120.28, 30.51],
      [120.3, 30.51],
      [120.3, 30.53],
      [120.28, 30.53],
      [120.28, 30.51],
    ],
  ],
};

const marker = (id: string, symbol: MarkerSymbol, at: [number, number], createdAt: number): MarkerEntry => ({
  scope: 'deqing-yuyue',
  record: newMarker(symbol, at, id, 'u-deqing', createdAt, id) as MarkerEntry['record'],
});

test('ending a search as found offers its own found markers first and preselects the newest inside its area', () => {
  // Newest first, as the marker index lists them: another search's find is the newest of all.
  const markers = [
    marker('other-search', 'found', [120.4, 30.6], 3),
    marker('clue-inside', 'clue', [120.29, 30.52], 2),
    marker('ours', 'found', [120.29, 30.52], 1),
  ];
  const { choices, preselect } = foundChoices({ area, createdAt: 1 }, markers);
  expect(choices.map((m) => m.record.id)).toEqual(['ours', 'other-search']);
  expect(preselect?.record.id).toBe('ours');
});

test('with no found marker inside the area, none is preselected (the commander picks one or a point)', () => {
  const { choices, preselect } = foundChoices({ area, createdAt: 1 }, [marker('far', 'found', [120.4, 30.6], 1)]);
  expect(choices.map((m) => m.record.id)).toEqual(['far']);
  expect(preselect).toBeNull();
});

test('a found marker dropped inside the area before the search began is not preselected, only offered last', () => {
  // An earlier search of the same place left its find there; this search began at 100.
  const markers = [marker('earlier-find', 'found', [120.29, 30.52], 50), marker('outside', 'found', [120.4, 30.6], 40)];
  const before = foundChoices({ area, createdAt: 100 }, markers);
  expect(before.preselect).toBeNull();
  expect(before.choices.map((m) => m.record.id)).toEqual(['earlier-find', 'outside']);
  const ours = marker('ours', 'found', [120.291, 30.521], 120);
  const after = foundChoices({ area, createdAt: 100 }, [ours, ...markers]);
  expect(after.preselect?.record.id).toBe('ours');
  expect(after.choices.map((m) => m.record.id)).toEqual(['ours', 'earlier-find', 'outside']);
});
