import { expect, test } from 'vitest';
import { explainEntry, MAX_SEARCH_PAUSES, searchPausedAt, type Search, type Sector } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { foundChoices, newMarker, type MarkerEntry } from './markers.ts';
import { createSearch, endSearch, resumeSearch } from './search-writes.ts';

const poly: Sector['polygon'] = {
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
const task = fixtures.missingPersonTask({ id: 't-abcdefghij', stationId: 'linping-yunhe' });

test('a search ended as found (or closed) resumes active on its split, with no found location and its pause recorded', () => {
  const created = createSearch({
    task,
    area: poly,
    lastKnown: null,
    lastSeenAt: null,
    travelMode: null,
    sectors: [{ name: 'A', polygon: poly, stationId: 'deqing-yuyue' }],
    sweepWidthM: 30,
    userId: 'c',
    now: 1000,
  });
  const found = endSearch(
    created.search,
    task,
    { location: [120.005, 30.004], unitId: null, stationId: 'deqing-yuyue', note: '' },
    5000,
  ).search;
  const resumed = resumeSearch(found, 9000);
  expect(resumed.search).toEqual({
    ...created.search,
    status: 'active',
    found: null,
    pauses: [{ from: 5000, to: 9000 }],
    updatedAt: 9000,
  });
  expect(resumed.searchChange).toEqual({ type: 'put', map: 'searches', key: found.id, value: resumed.search });
  expect(explainEntry('command', 'searches', found.id, resumed.search)).toBeNull();
  // The same split: its sectors (and their statuses and assignments) are the search's still.
  expect(resumed.search.splitId).toBe(created.sectors[0]!.splitId);
  // Fixes between the end and the resume are not the search's sweep; before and after they are.
  expect([4999, 5000, 8999, 9000].map((t) => searchPausedAt(resumed.search, t))).toEqual([false, true, true, false]);

  // Ended again without finding, then resumed: a second pause; a record stamped ahead is cut at now.
  const closed = endSearch(resumed.search, task, null, 12_000).search;
  expect(resumeSearch(closed, 15_000).search.pauses).toEqual([
    { from: 5000, to: 9000 },
    { from: 12_000, to: 15_000 },
  ]);
  expect(resumeSearch({ ...closed, updatedAt: 20_000 }, 15_000).search.pauses?.at(-1)).toEqual({
    from: 15_000,
    to: 15_000,
  });
  // A pause that ends before it starts is refused.
  const bad = { ...resumed.search, pauses: [{ from: 9000, to: 5000 }] };
  expect(explainEntry('command', 'searches', bad.id, bad)).toMatch(/pause ends before it starts/);
});

test('past the most pauses a search keeps, the two oldest merge (their gap counts as paused, never as sweep)', () => {
  let search: Search = createSearch({
    task,
    area: poly,
    lastKnown: null,
    lastSeenAt: null,
    travelMode: null,
    sectors: [],
    sweepWidthM: 30,
    userId: 'c',
    now: 0,
  }).search;
  for (let i = 1; i <= MAX_SEARCH_PAUSES + 1; i++)
    search = resumeSearch(endSearch(search, task, null, i * 100).search, i * 100 + 50).search;
  expect(search.pauses).toHaveLength(MAX_SEARCH_PAUSES);
  expect(search.pauses!.slice(0, 2)).toEqual([
    { from: 100, to: 250 },
    { from: 300, to: 350 },
  ]);
  expect(search.pauses!.at(-1)).toEqual({
    from: (MAX_SEARCH_PAUSES + 1) * 100,
    to: (MAX_SEARCH_PAUSES + 1) * 100 + 50,
  });
  // The run between the two merged pauses (150–200) counts as paused now; the later runs do not.
  expect(searchPausedAt(search, 175)).toBe(true);
  expect(searchPausedAt(search, 275)).toBe(false);
  expect(searchPausedAt(search, 325)).toBe(true);
  expect(explainEntry('command', 'searches', search.id, search)).toBeNull();
});

test('a console whose clock is a little behind the resume ends and resumes the search again with a valid record', () => {
  const created = createSearch({
    task,
    area: poly,
    lastKnown: null,
    lastSeenAt: null,
    travelMode: null,
    sectors: [],
    sweepWidthM: 30,
    userId: 'c',
    now: 1000,
  }).search;
  const resumed = resumeSearch(endSearch(created, task, null, 5000).search, 9000).search;
  // Another commander's console, its server clock estimate 40 ms behind, ends it right after.
  const ended = endSearch(resumed, task, null, 8960).search;
  expect(ended.updatedAt).toBe(9000);
  expect(explainEntry('command', 'searches', ended.id, ended)).toBeNull();
  // And resumes it, still behind: the new pause starts where the last ended, never overlapping it.
  const again = resumeSearch(ended, 8980).search;
  expect(again.pauses).toEqual([
    { from: 5000, to: 9000 },
    { from: 9000, to: 9000 },
  ]);
  expect(again.updatedAt).toBe(9000);
  expect(explainEntry('command', 'searches', again.id, again)).toBeNull();
});

test('after a resume, the found marker of the find that proved wrong is offered but no longer preselected', () => {
  const search = createSearch({
    task,
    area: poly,
    lastKnown: null,
    lastSeenAt: null,
    travelMode: null,
    sectors: [],
    sweepWidthM: 30,
    userId: 'c',
    now: 1000,
  }).search;
  const marker = (id: string, createdAt: number): MarkerEntry => ({
    scope: 'deqing-yuyue',
    record: newMarker('found', [120.005, 30.004], id, 'u-deqing', createdAt, id) as MarkerEntry['record'],
  });
  const wrong = marker('wrong-find', 4000);
  expect(foundChoices(search, [wrong]).preselect?.record.id).toBe('wrong-find');
  const found = endSearch(search, task, { location: [120.005, 30.004], unitId: null, stationId: null, note: '' }, 5000);
  const resumed = resumeSearch(found.search, 9000).search;
  expect(foundChoices(resumed, [wrong])).toEqual({ choices: [wrong], preselect: null });
  const again = marker('second-find', 9500);
  expect(foundChoices(resumed, [again, wrong]).preselect?.record.id).toBe('second-find');
});
