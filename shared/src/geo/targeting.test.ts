import { readFileSync } from 'node:fs';
import { pointToPolygonDistance } from '@turf/turf';
import type { MultiPolygon, Point, Polygon } from 'geojson';
import { describe, expect, test } from 'vitest';
import { createJurisdictionLookup, type Jurisdiction } from './jurisdiction.ts';
import { lngLat } from './lnglat.ts';
import { defaultTargetStations, distanceToJurisdictionM } from './targeting.ts';

/** 0.01° of latitude in metres on Turf's sphere (R = 6 371 008.8 m). */
const LAT_001_M = 1111.95;
const lngM = (deg: number, lat: number) => deg * 111_195.08 * Math.cos((lat * Math.PI) / 180);

const square = (x: number, y: number, size = 0.1): Polygon => ({
  type: 'Polygon',
  coordinates: [
    [
      [x, y],
      [x + size, y],
      [x + size, y + size],
      [x, y + size],
      [x, y],
    ],
  ],
});
const point = (lng: number, lat: number): Point => ({ type: 'Point', coordinates: [lng, lat] });

/** Three 0.1° squares meeting at [120.3, 30.5], like the tri-county border near 禹越; the south-east quadrant is nobody's. */
const tricountyJunction: Jurisdiction[] = [
  { stationId: 'north-west', area: square(120.2, 30.5) },
  { stationId: 'north-east', area: square(120.3, 30.5) },
  { stationId: 'south', area: square(120.2, 30.4) },
];

describe('distanceToJurisdictionM', () => {
  const [nw, ne, s] = tricountyJunction as [Jurisdiction, Jurisdiction, Jurisdiction];
  test('is 0 inside and on the border', () => {
    expect(distanceToJurisdictionM(nw, point(120.25, 30.55))).toBe(0);
    expect(distanceToJurisdictionM(nw, point(120.3, 30.55))).toBe(0);
    expect(distanceToJurisdictionM(s, point(120.3, 30.5))).toBe(0);
  });
  test('measures a point outside to the nearest edge, in metres', () => {
    // (120.29, 30.51) is 0.01° north of the south square and 0.01° west of the north-east one.
    expect(distanceToJurisdictionM(s, point(120.29, 30.51))).toBeCloseTo(LAT_001_M, 0);
    expect(distanceToJurisdictionM(ne, point(120.29, 30.51))).toBeCloseTo(lngM(0.01, 30.51), 0);
    // Nearest to a corner: both offsets at once.
    expect(distanceToJurisdictionM(nw, point(120.35, 30.45))).toBeCloseTo(
      Math.hypot(lngM(0.05, 30.45), 5 * LAT_001_M),
      -1,
    );
  });
  test('is 0 for an area that overlaps, else the gap between the outlines', () => {
    expect(distanceToJurisdictionM(ne, square(120.295, 30.55, 0.01))).toBe(0);
    // An area 0.02° east of the north-east square: its west edge is the nearest.
    expect(distanceToJurisdictionM(ne, square(120.42, 30.52, 0.01))).toBeCloseTo(lngM(0.02, 30.52), -1);
    // An area wholly inside a jurisdiction (no edge crosses) still counts as inside.
    expect(distanceToJurisdictionM(ne, square(120.33, 30.53, 0.01))).toBe(0);
  });
});

describe('defaultTargetStations', () => {
  test('a point at the junction targets every station of it, in the given order', () => {
    expect(defaultTargetStations(tricountyJunction, point(120.3, 30.5), 0, null)).toEqual([
      'north-west',
      'north-east',
      'south',
    ]);
  });
  test('never the raising station', () => {
    expect(defaultTargetStations(tricountyJunction, point(120.3, 30.5), 0, 'north-east')).toEqual([
      'north-west',
      'south',
    ]);
    expect(defaultTargetStations(tricountyJunction, point(120.29, 30.51), 2000, 'north-west')).toEqual([
      'north-east',
      'south',
    ]);
  });
  test('on each side of the junction: the containing station, then neighbours within the radius, nearest first', () => {
    // North-west side: north-east 958 m away, south 1112 m away.
    expect(defaultTargetStations(tricountyJunction, point(120.29, 30.51), 500, null)).toEqual(['north-west']);
    expect(defaultTargetStations(tricountyJunction, point(120.29, 30.51), 1000, null)).toEqual([
      'north-west',
      'north-east',
    ]);
    expect(defaultTargetStations(tricountyJunction, point(120.29, 30.51), 2000, null)).toEqual([
      'north-west',
      'north-east',
      'south',
    ]);
    // North-east side, 0.005° from the west border and 0.02° from the south one: north-west, then south.
    expect(defaultTargetStations(tricountyJunction, point(120.305, 30.52), 3000, null)).toEqual([
      'north-east',
      'north-west',
      'south',
    ]);
    // South side, 0.02° below the north-west square: north-west (2224 m) before north-east (corner, 2275 m).
    expect(defaultTargetStations(tricountyJunction, point(120.295, 30.48), 2250, null)).toEqual([
      'south',
      'north-west',
    ]);
    expect(defaultTargetStations(tricountyJunction, point(120.295, 30.48), 2300, null)).toEqual([
      'south',
      'north-west',
      'north-east',
    ]);
  });
  test('a point in nobody’s quadrant: only the stations within the radius, nearest first', () => {
    // (120.35, 30.45): south 4.79 km west, north-east 5.56 km north, north-west 7.34 km at the corner.
    expect(defaultTargetStations(tricountyJunction, point(120.35, 30.45), 4000, null)).toEqual([]);
    expect(defaultTargetStations(tricountyJunction, point(120.35, 30.45), 6000, null)).toEqual(['south', 'north-east']);
  });
  test('an area targets every station it overlaps, then the near ones', () => {
    const straddling = square(120.245, 30.495, 0.01); // across the north-west / south border
    expect(defaultTargetStations(tricountyJunction, straddling, 1000, null)).toEqual(['north-west', 'south']);
    // Its east edge (120.255) is 0.045° (≈ 4.3 km) from the north-east square.
    expect(defaultTargetStations(tricountyJunction, straddling, 5000, 'south')).toEqual(['north-west', 'north-east']);
  });
});

describe('defaultTargetStations on the real tri-county jurisdictions (WGS-84)', () => {
  const read = (adcode: string): MultiPolygon =>
    (
      JSON.parse(
        readFileSync(new URL(`../../../server/demo-data/county-${adcode}.geojson`, import.meta.url), 'utf8'),
      ) as { features: Array<{ geometry: MultiPolygon }> }
    ).features[0]!.geometry;
  const stations: Jurisdiction[] = [
    { stationId: 'deqing-yuyue', area: read('330521') },
    { stationId: 'linping-yunhe', area: read('330113') },
    { stationId: 'tongxiang-zhouquan', area: read('330483') },
  ];
  const lookup = createJurisdictionLookup(stations);
  const junction = [120.2954, 30.5222] as const;
  const around: Array<[number, number]> = [
    [-0.01, 0],
    [0.01, 0],
    [0, 0.01],
    [0, -0.01],
    [0.01, 0.01],
  ];

  test.each(around)(
    '1 km from the junction (%f°, %f°): the containing station first, then the two others',
    (dx, dy) => {
      const p = lngLat(junction[0] + dx, junction[1] + dy);
      const containing = lookup.stationAt(p);
      expect(containing).not.toBeNull();
      const targets = defaultTargetStations(stations, point(p[0], p[1]), 3000, null);
      expect(targets[0]).toBe(containing);
      expect([...targets].sort()).toEqual(['deqing-yuyue', 'linping-yunhe', 'tongxiang-zhouquan']);
      expect(defaultTargetStations(stations, point(p[0], p[1]), 3000, containing)).toEqual(targets.slice(1));
    },
  );

  test('distances agree with Turf’s geodesic point-to-polygon distance within 0.5 %', () => {
    for (const [dx, dy] of around) {
      const p = point(junction[0] + dx, junction[1] + dy);
      for (const j of stations) {
        const ours = distanceToJurisdictionM(j, p);
        const turf = Math.max(0, pointToPolygonDistance(p, j.area, { units: 'meters' }));
        expect(Math.abs(ours - turf)).toBeLessThanOrEqual(Math.max(1, turf * 0.005));
      }
    }
  });

  test('deep inside 德清, more than 2 km from the others, a 2 km radius targets only 德清 (or nobody when 德清 raises it)', () => {
    const p = point(120.1, 30.55);
    expect(lookup.stationAt(lngLat(120.1, 30.55))).toBe('deqing-yuyue');
    expect(defaultTargetStations(stations, p, 2000, null)).toEqual(['deqing-yuyue']);
    expect(defaultTargetStations(stations, p, 2000, 'deqing-yuyue')).toEqual([]);
  });
});
