import { describe, expect, test } from 'vitest';
import { createJurisdictionLookup, lngLat } from '@jointmap/shared';
import { demoStations } from './demo-stations.ts';

describe('demo jurisdictions (WGS-84)', () => {
  const lookup = createJurisdictionLookup(demoStations().map((s) => ({ stationId: s.id, area: s.jurisdiction! })));

  test.each([
    ['武康 (Deqing seat)', 119.97, 30.54, 'deqing-yuyue'],
    ['禹越镇', 120.26, 30.56, 'deqing-yuyue'],
    ['临平 centre', 120.3, 30.42, 'linping-yunhe'],
    ['运河街道', 120.27, 30.46, 'linping-yunhe'],
    ['洲泉镇', 120.35, 30.57, 'tongxiang-zhouquan'],
    ['桐乡 centre', 120.56, 30.63, 'tongxiang-zhouquan'],
    ['湖州 city (outside all three)', 120.0876, 30.8674, null],
  ])('%s → %s', (_name, lng, lat, station) => {
    expect(lookup.stationAt(lngLat(lng, lat))).toBe(station);
  });

  test('converted from GCJ-02: the outline is shifted ~500 m from the source data', () => {
    // Source (GCJ-02) junction ≈ [120.2999, 30.5198]; WGS-84 ≈ [120.2954, 30.5222] (shared/data README).
    const deqing = demoStations()[0]!.jurisdiction!;
    const first = deqing.type === 'MultiPolygon' ? deqing.coordinates[0]![0]![0]! : deqing.coordinates[0]![0]!;
    expect(first[0]).toBeCloseTo(120.2954, 3);
    expect(first[1]).toBeCloseTo(30.5222, 3);
  });
});
