import { expect, test } from 'vitest';
import { explainEntry } from './index.ts';
import { MAX_SEARCH_PAUSES, searchPausedAt, type Search } from './search.ts';

const search: Search = {
  id: 's-t-1',
  taskId: 't-1',
  taskStationId: 'command',
  name: '走失老人协查',
  area: {
    type: 'Polygon',
    coordinates: [
      [
        [120, 30],
        [120.01, 30],
        [120.01, 30.01],
        [120, 30],
      ],
    ],
  },
  lastKnown: null,
  lastSeenAt: null,
  travelMode: null,
  status: 'active',
  found: null,
  createdBy: 'u-cmd',
  createdAt: 1000,
  updatedAt: 9000,
};

test('a resumed search records its pauses; fixes inside one (from inclusive, to exclusive) are not sweep', () => {
  const resumed: Search = { ...search, pauses: [{ from: 2000, to: 3000 }] };
  expect(explainEntry('command', 'searches', search.id, resumed)).toBeNull();
  expect([1999, 2000, 2999, 3000].map((t) => searchPausedAt(resumed, t))).toEqual([false, true, true, false]);
  // A search never resumed has no pause (records written before pauses existed stay valid).
  expect(explainEntry('command', 'searches', search.id, search)).toBeNull();
  expect(searchPausedAt(search, 2500)).toBe(false);
});

test('a pause that ends before it starts, or more pauses than kept, are refused', () => {
  const backwards = { ...search, pauses: [{ from: 3000, to: 2000 }] };
  expect(explainEntry('command', 'searches', search.id, backwards)).toMatch(/pause ends before it starts/);
  const many = Array.from({ length: MAX_SEARCH_PAUSES + 1 }, (_, i) => ({ from: i * 10, to: i * 10 + 5 }));
  expect(explainEntry('command', 'searches', search.id, { ...search, pauses: many })).toMatch(/pauses/);
});

test('pauses out of order or overlapping are refused; pauses that touch are not', () => {
  const withPauses = (pauses: Search['pauses']) =>
    explainEntry('command', 'searches', search.id, { ...search, pauses });
  expect(
    withPauses([
      { from: 2000, to: 3000 },
      { from: 3000, to: 4000 },
    ]),
  ).toBeNull();
  expect(
    withPauses([
      { from: 4000, to: 5000 },
      { from: 2000, to: 3000 },
    ]),
  ).toMatch(/pauses out of order or overlapping/);
  expect(
    withPauses([
      { from: 2000, to: 3500 },
      { from: 3000, to: 4000 },
    ]),
  ).toMatch(/pauses out of order or overlapping/);
  // One pause inside another overlaps it too.
  expect(
    withPauses([
      { from: 2000, to: 6000 },
      { from: 3000, to: 4000 },
    ]),
  ).toMatch(/pauses out of order or overlapping/);
});

test('a pause ending after the record was last written is refused: it would keep coverage at zero for good', () => {
  // The resume that closes a pause writes the record then: its end is at most `updatedAt`.
  expect(explainEntry('command', 'searches', search.id, { ...search, pauses: [{ from: 2000, to: 9000 }] })).toBeNull();
  const forever = { ...search, pauses: [{ from: 0, to: 9e15 }] };
  expect(explainEntry('command', 'searches', search.id, forever)).toMatch(
    /pause ends after the search was last written/,
  );
  const justAfter = { ...search, pauses: [{ from: 2000, to: 9001 }] };
  expect(explainEntry('command', 'searches', search.id, justAfter)).toMatch(/pause ends after/);
});
