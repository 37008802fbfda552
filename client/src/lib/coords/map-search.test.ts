import { describe, expect, test } from 'vitest';
import { boxOf, normalizeQuery, pointBox, rankHits, stationBox, type SearchCandidate } from './map-search.ts';

const candidates: SearchCandidate[] = [
  {
    kind: 'station',
    id: 'deqing',
    label: '德清县公安局禹越派出所',
    aliases: ['德清禹越'],
    box: [120.2, 30.5, 120.3, 30.6],
  },
  {
    kind: 'station',
    id: 'linping',
    label: '临平区公安分局运河派出所',
    aliases: ['临平运河'],
    box: [120.3, 30.4, 120.4, 30.5],
  },
  { kind: 'unit', id: 'deqing:u1', label: '禹越巡逻1组', aliases: ['张伟', '李强'], box: pointBox([120.27, 30.53]) },
  { kind: 'unit', id: 'deqing:u2', label: '禹越巡逻2组', aliases: [], box: null },
  { kind: 'unit', id: 'linping:u9', label: 'Patrol 9', aliases: [], box: pointBox([120.35, 30.45]) },
  { kind: 'task', id: 't1', label: '配合巡逻：走失老人', aliases: [], box: pointBox([120.29, 30.52]) },
  { kind: 'annotation', id: 'command:a1', label: '临时卡口', aliases: [], box: pointBox([120.3, 30.5]) },
];

describe('rankHits', () => {
  test('exact before prefix before substring; units before stations, tasks and annotations', () => {
    expect(rankHits('巡逻', candidates).map((h) => h.id)).toEqual(['deqing:u1', 'deqing:u2', 't1']);
    expect(rankHits('禹越巡逻', candidates).map((h) => h.id)).toEqual(['deqing:u1', 'deqing:u2']);
    expect(rankHits('禹越巡逻1组', candidates)[0]).toMatchObject({ id: 'deqing:u1', score: 0 });
  });

  test('found by an alias (short name, a member) after a label match of the same strength', () => {
    expect(rankHits('德清禹越', candidates).map((h) => h.id)).toEqual(['deqing']);
    expect(rankHits('张伟', candidates).map((h) => h.id)).toEqual(['deqing:u1']);
    expect(rankHits('临', candidates).map((h) => h.id)).toEqual(['linping', 'command:a1']);
  });

  test('case, width and spacing do not matter; word prefixes count', () => {
    expect(rankHits('ＰＡＴＲＯＬ', candidates).map((h) => h.id)).toEqual(['linping:u9']);
    expect(rankHits('  9 ', candidates).map((h) => h.id)).toEqual(['linping:u9']);
    expect(normalizeQuery(' Ａｂ  C ')).toBe('ab c');
  });

  test('nothing for an empty query or no match, and at most `limit` hits', () => {
    expect(rankHits('   ', candidates)).toEqual([]);
    expect(rankHits('杭州', candidates)).toEqual([]);
    expect(rankHits('1', candidates, 1)).toHaveLength(1);
  });
});

describe('boxes', () => {
  test('a station box covers all its jurisdiction features; unknown stations have none', () => {
    const fc: GeoJSON.FeatureCollection = {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { stationId: 's1' },
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [120, 30],
                [120.1, 30],
                [120.1, 30.2],
                [120, 30],
              ],
            ],
          },
        },
        { type: 'Feature', properties: { stationId: 's1' }, geometry: { type: 'Point', coordinates: [119.9, 30.1] } },
        { type: 'Feature', properties: { stationId: 's2' }, geometry: { type: 'Point', coordinates: [121, 31] } },
      ],
    };
    expect(stationBox(fc, 's1')).toEqual([119.9, 30, 120.1, 30.2]);
    expect(stationBox(fc, 'nope')).toBeNull();
    expect(boxOf(null)).toBeNull();
    expect(boxOf({ coordinates: [120.5, 30.5] })).toEqual([120.5, 30.5, 120.5, 30.5]);
  });
});
