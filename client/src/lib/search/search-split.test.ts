import { expect, test } from 'vitest';
import * as Y from 'yjs';
import { applyChange, explainEntry, type Search, type Sector, type Task } from '@jointmap/shared';
import { polygonAreaM2, splitArea, type SectorProposal } from './search-geometry.ts';
import { searchFeatures } from './sector-features.ts';
import { sectorsOfSearch } from './search-views.ts';
import { createSearch } from './search-writes.ts';

/** About 2 × 2 km by 禹越 (0.0208° of longitude, 0.018° of latitude at 30.5°). */
const area: GeoJSON.Polygon = {
  type: 'Polygon',
  coordinates: [
    [
      [120.28, 30.51],
      [120.3008, 30.51],
      [120.3008, 30.528],
      [120.28, 30.528],
      [120.28, 30.51],
    ],
  ],
};
const task = { id: 't-missing01', stationId: 'command', title: '寻找走失老人' } as Pick<
  Task,
  'id' | 'stationId' | 'title'
>;

const split = (cellM: number): SectorProposal[] => {
  const r = splitArea(area, { how: 'grid', cellM }, []);
  if (!r.ok) throw new Error(r.error.key);
  return r.value;
};

/** A commander's console creating the search on its own copy of the command document. */
function console_(sectors: SectorProposal[], userId: string, now: number): Y.Doc {
  const doc = new Y.Doc();
  const { change } = createSearch({
    ...{ task, area, lastKnown: null, lastSeenAt: null, travelMode: null },
    ...{ sectors, sweepWidthM: 50, userId, now },
  });
  applyChange(doc, 'command', change, { source: 'session', sessionId: userId, userId });
  return doc;
}

function merged(first: Y.Doc, second: Y.Doc): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(first));
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(second));
  return doc;
}

test('two commanders creating one search at once with different splits: after the merge exactly one split counts', () => {
  const coarse = split(1000);
  const fine = split(500);
  expect([coarse.length, fine.length]).toEqual([4, 16]);
  const a = console_(coarse, 'u-cmd-a', 1_700_000_000_000);
  const b = console_(fine, 'u-cmd-b', 1_700_000_000_500);
  const winners = new Set<number>();
  for (const doc of [merged(a, b), merged(b, a)]) {
    const searches = [...doc.getMap<Search>('searches').values()];
    expect(searches).toHaveLength(1);
    const search = searches[0]!;
    const all = [...doc.getMap<Sector>('sectors').values()];
    for (const s of all) expect(explainEntry('command', 'sectors', s.id, s)).toBeNull();
    expect(explainEntry('command', 'searches', search.id, search)).toBeNull();

    const counted = sectorsOfSearch(all, search);
    // One split whole: the one whose search record won.
    const mine = search.createdBy === 'u-cmd-a' ? coarse : fine;
    expect(counted.map((s) => s.name).sort()).toEqual(mine.map((s) => s.name).sort());
    expect(new Set(counted.map((s) => s.splitId))).toEqual(new Set([search.splitId]));
    // Covering the area once.
    const sum = counted.reduce((n, s) => n + polygonAreaM2(s.polygon as GeoJSON.Polygon), 0);
    expect(sum / polygonAreaM2(area)).toBeCloseTo(1, 2);
    // The map draws the same sectors.
    const drawn = searchFeatures([search], all, () => null).features.filter((f) => f.properties.role === 'sector');
    expect(drawn.map((f) => f.properties.name).sort()).toEqual(counted.map((s) => s.name).sort());
    winners.add(mine.length);
  }
  // Both merge orders agree on the winner.
  expect(winners.size).toBe(1);
});

test('a search created again (after an earlier split) lists only its new split', () => {
  const doc = console_(split(500), 'u-cmd-a', 1_700_000_000_000);
  const again = createSearch({
    ...{ task, area, lastKnown: null, lastSeenAt: null, travelMode: null },
    ...{ sectors: split(1000), sweepWidthM: 50, userId: 'u-cmd-a', now: 1_700_000_100_000 },
  });
  applyChange(doc, 'command', again.change, { source: 'server' });
  const search = doc.getMap<Search>('searches').get(again.search.id)!;
  expect(sectorsOfSearch([...doc.getMap<Sector>('sectors').values()], search).map((s) => s.name)).toEqual(
    again.sectors.map((s) => s.name).sort(),
  );
});

test('records written before splits were named (no split id on the search nor its sectors) still list', () => {
  const search = { id: 's-old', splitId: undefined } as Search;
  const old = { id: 's-old-A1', name: 'A1', searchId: 's-old' } as Sector;
  expect(sectorsOfSearch([old], search)).toEqual([old]);
  expect(sectorsOfSearch([{ ...old, splitId: 'abc123' }], search)).toEqual([]);
});
