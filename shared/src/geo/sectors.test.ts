import { readFileSync } from 'node:fs';
import {
  area,
  booleanPointInPolygon,
  centroid,
  circle,
  difference,
  feature,
  featureCollection,
  intersect,
} from '@turf/turf';
import type { MultiPolygon, Polygon } from 'geojson';
import { describe, expect, test } from 'vitest';
import type { Jurisdiction } from './jurisdiction.ts';
import { lngLat } from './lnglat.ts';
import { localMetricFrame } from './local-frame.ts';
import { searchAreaFromLastKnown } from './search-area.ts';
import { gridSectors, jurisdictionSectors, sectorLetters, type NamedSector } from './sectors.ts';

/** North-west corner of the metric fixtures (near the tri-county junction). */
const NW = [120.28, 30.53] as const;
const frame = localMetricFrame(NW);
/** Polygon from rings in metres east (x) and north (y, ≤ 0) of NW. */
const metric = (...rings: Array<Array<[number, number]>>): Polygon => ({
  type: 'Polygon',
  coordinates: rings.map((ring) => [...ring, ring[0]!].map(([x, y]) => frame.toLngLat(x, y))),
});
const rect = (x0: number, y0: number, x1: number, y1: number): Array<[number, number]> => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
];
/** 1 km × 1 km, its north-west corner at NW. */
const squareSector = metric(rect(0, 0, 1000, -1000));
/** 1 km wide, 1.5 km tall, with a 400 m notch from the north down to 1050 m: a U. */
const uShapedArea = metric([
  [0, 0],
  [300, 0],
  [300, -1050],
  [700, -1050],
  [700, 0],
  [1000, 0],
  [1000, -1500],
  [0, -1500],
]);
/** 1.5 km square with a hole exactly where the middle cell of a 500 m grid lies. */
const squareWithHole = metric(rect(0, 0, 1500, -1500), rect(500, -500, 1000, -1000).reverse());
/** A real county outline from the demo data (WGS-84 MultiPolygon). */
const readCounty = (adcode: string): MultiPolygon =>
  (
    JSON.parse(
      readFileSync(new URL(`../../../server/demo-data/county-${adcode}.geojson`, import.meta.url), 'utf8'),
    ) as {
      features: Array<{ geometry: MultiPolygon }>;
    }
  ).features[0]!.geometry;
const sumArea = (sectors: ReadonlyArray<{ polygon: Polygon }>) => sectors.reduce((s, x) => s + area(x.polygon), 0);

describe('sectorLetters', () => {
  test('spreadsheet-style row letters', () => {
    expect([0, 1, 25, 26, 27, 51, 52, 701, 702].map(sectorLetters)).toEqual([
      'A',
      'B',
      'Z',
      'AA',
      'AB',
      'AZ',
      'BA',
      'ZZ',
      'AAA',
    ]);
  });
});

/** The polygons of a Polygon or MultiPolygon geometry (null: none). */
function piecesOf(geometry: Polygon | MultiPolygon | null | undefined): Polygon[] {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return [geometry];
  return geometry.coordinates.map((coordinates) => ({ type: 'Polygon', coordinates }));
}

/**
 * `gridSectors` as it was before boundary cells were cut to their box: every cell whose bbox any
 * edge's bbox touches is intersected with the whole area. The reference the fast version must match.
 */
function gridSectorsBefore(searchArea: Polygon, cellM: number): NamedSector[] {
  const outer = searchArea.coordinates[0]!;
  const west = Math.min(...outer.map((p) => p[0]!));
  const east = Math.max(...outer.map((p) => p[0]!));
  const south = Math.min(...outer.map((p) => p[1]!));
  const north = Math.max(...outer.map((p) => p[1]!));
  const grid = localMetricFrame([west, north]);
  const [width, minusHeight] = grid.toMetres([east, south]);
  const cols = Math.max(1, Math.ceil(width / cellM - 1e-9));
  const rows = Math.max(1, Math.ceil(-minusHeight / cellM - 1e-9));
  const edges = searchArea.coordinates.flatMap((ring) =>
    ring.slice(1).map((b, i) => {
      const a = ring[i]!;
      return [Math.min(a[0]!, b[0]!), Math.min(a[1]!, b[1]!), Math.max(a[0]!, b[0]!), Math.max(a[1]!, b[1]!)];
    }),
  );
  const sectors: NamedSector[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const [x0, y0] = grid.toLngLat(c * cellM, -(r + 1) * cellM);
      const [x1, y1] = grid.toLngLat((c + 1) * cellM, -r * cellM);
      const cell: Polygon = {
        type: 'Polygon',
        coordinates: [
          [
            [x0, y0],
            [x1, y0],
            [x1, y1],
            [x0, y1],
            [x0, y0],
          ],
        ],
      };
      const name = `${sectorLetters(r)}${c + 1}`;
      if (!edges.some((e) => e[0]! <= x1 && e[2]! >= x0 && e[1]! <= y1 && e[3]! >= y0)) {
        if (booleanPointInPolygon([(x0 + x1) / 2, (y0 + y1) / 2], searchArea)) sectors.push({ name, polygon: cell });
        continue;
      }
      const minArea = 0.02 * area(cell);
      const kept = piecesOf(intersect(featureCollection([feature(cell), feature(searchArea)]))?.geometry)
        .filter((p) => area(p) >= minArea)
        .map((p) => ({ p, at: centroid(p).geometry.coordinates }))
        .sort((a, b) => a.at[0]! - b.at[0]! || b.at[1]! - a.at[1]!);
      kept.forEach(({ p }, i) =>
        sectors.push({ name: kept.length > 1 ? `${name}${sectorLetters(i).toLowerCase()}` : name, polygon: p }),
      );
    }
  }
  return sectors;
}

/**
 * Names in order, now and before; the names whose area differs from before by more than 0.01 %;
 * the pieces of split cells and the sectors with a hole.
 */
function compareWithBefore(searchArea: Polygon, cellM: number) {
  const after = gridSectors(searchArea, cellM);
  const before = gridSectorsBefore(searchArea, cellM);
  const names = (sectors: NamedSector[]) => sectors.map((s) => s.name);
  const offByMore = after
    .filter((s, i) => before[i] === undefined || Math.abs(area(s.polygon) / area(before[i].polygon) - 1) > 1e-4)
    .map((s) => s.name);
  return {
    after: names(after),
    before: names(before),
    offByMore,
    split: names(after).filter((n) => /[a-z]$/.test(n)),
    holed: names(after.filter((s) => s.polygon.coordinates.length > 1)),
  };
}

/** The demo's last-known point, where the three districts meet. */
const JUNCTION = lngLat(120.2954, 30.5222);
/** A 4 km circle (20 min by tricycle) around the junction, clipped to 德清: its border runs through it. */
const circleInDeqing = () => searchAreaFromLastKnown(JUNCTION, 20 * 60_000, 'bicycle', readCounty('330521'));

describe('gridSectors', () => {
  test('a 1 km square in 500 m cells: A1 A2 from the north-west, B1 B2 below', () => {
    const sectors = gridSectors(squareSector, 500);
    expect(sectors.map((s) => s.name)).toEqual(['A1', 'A2', 'B1', 'B2']);
    const centres = sectors.map((s) => frame.toMetres(centroid(s.polygon).geometry.coordinates));
    const expected = [
      [250, -250],
      [750, -250],
      [250, -750],
      [750, -750],
    ];
    centres.forEach(([x, y], i) => {
      expect(x).toBeCloseTo(expected[i]![0]!, 3);
      expect(y).toBeCloseTo(expected[i]![1]!, 3);
    });
    for (const s of sectors) expect(area(s.polygon) / 250_000).toBeCloseTo(1, 2);
    expect(sectors.every((s) => s.stationId === undefined)).toBe(true);
  });

  test('partial cells at the east and south edges are kept; the pieces sum to the area', () => {
    const sectors = gridSectors(squareSector, 300); // 4 × 4, the last row and column 100 m wide
    expect(sectors.map((s) => s.name)).toEqual(
      ['A', 'B', 'C', 'D'].flatMap((row) => [1, 2, 3, 4].map((col) => `${row}${col}`)),
    );
    expect(sumArea(sectors) / area(squareSector)).toBeCloseTo(1, 4);
  });

  test('slivers under 2 % of a cell are dropped', () => {
    const slightlyLarger = metric(rect(0, 0, 1005, -1005)); // the third row and column are 5 m wide: 1 %
    expect(gridSectors(slightlyLarger, 500).map((s) => s.name)).toEqual(['A1', 'A2', 'B1', 'B2']);
    const larger = metric(rect(0, 0, 1015, -1000)); // a 15 m third column: 3 %
    expect(gridSectors(larger, 500).map((s) => s.name)).toEqual(['A1', 'A2', 'A3', 'B1', 'B2', 'B3']);
  });

  test('a cell split in two gives two pieces, west to east', () => {
    const sectors = gridSectors(uShapedArea, 1000);
    expect(sectors.map((s) => s.name)).toEqual(['A1a', 'A1b', 'B1']);
    const [west, east, south] = sectors.map((s) => s.polygon) as [Polygon, Polygon, Polygon];
    expect(area(west) / 300_000).toBeCloseTo(1, 2);
    expect(area(east) / 300_000).toBeCloseTo(1, 2);
    expect(area(south) / (1000 * 500 - 400 * 50)).toBeCloseTo(1, 2);
    expect(frame.toMetres(centroid(west).geometry.coordinates)[0]).toBeCloseTo(150, 3);
  });

  test('a cell inside a hole is dropped', () => {
    const sectors = gridSectors(squareWithHole, 500);
    expect(sectors.map((s) => s.name)).toEqual(['A1', 'A2', 'A3', 'B1', 'B3', 'C1', 'C2', 'C3']);
  });

  test('rows past Z go on AA, AB …', () => {
    const tallStrip = metric(rect(0, 0, 100, -3000));
    expect(
      gridSectors(tallStrip, 100)
        .map((s) => s.name)
        .slice(24),
    ).toEqual(['Y1', 'Z1', 'AA1', 'AB1', 'AC1', 'AD1']);
  });

  test('refuses more than 400 cells and a cell size that is not positive', () => {
    expect(gridSectors(squareSector, 50)).toHaveLength(400);
    expect(() => gridSectors(squareSector, 49)).toThrow(RangeError);
    expect(() => gridSectors(squareSector, 0)).toThrow(RangeError);
    expect(() => gridSectors(squareSector, Number.NaN)).toThrow(RangeError);
  });
});

describe('gridSectors on real areas: the same sectors as before boundary cells were cut to their box', () => {
  test('a 4 km circle clipped to 德清 in 400 m cells: equal names, areas within 0.01 %', () => {
    const { after, before, offByMore } = compareWithBefore(circleInDeqing(), 400);
    expect(after).toEqual(before);
    expect(after.length).toBeGreaterThan(100);
    expect(offByMore).toEqual([]);
  });

  test('an 8 km circle clipped to 德清 in 1.2 km cells: equal names, areas within 0.01 %', () => {
    const area8km = searchAreaFromLastKnown(JUNCTION, 40 * 60_000, 'bicycle', readCounty('330521'));
    const { after, before, offByMore } = compareWithBefore(area8km, 1200);
    expect(after).toEqual(before);
    expect(offByMore).toEqual([]);
  });

  test('with holes (one inside a cell, a thin one splitting cells) and a bite out of the edge: equal names, areas within 0.01 %', () => {
    const frame = localMetricFrame(JUNCTION);
    const disc = (x: number, y: number, radiusM: number) =>
      circle(frame.toLngLat(x, y), radiusM, { units: 'meters', steps: 48 });
    const ring = rect(-3300, -500, -1700, -470); // 1.6 km × 30 m
    const strip: Polygon = {
      type: 'Polygon',
      coordinates: [[...ring, ring[0]!].map(([x, y]) => frame.toLngLat(x, y))],
    };
    let cut = circleInDeqing();
    for (const piece of [disc(-800, 900, 900), disc(-2600, 1400, 100), feature(strip)]) {
      cut = difference(featureCollection([feature(cut), piece]))!.geometry as Polygon;
    }
    expect(cut.coordinates).toHaveLength(3);
    const { after, before, offByMore, split, holed } = compareWithBefore(cut, 400);
    expect(after).toEqual(before);
    expect(offByMore).toEqual([]);
    // The cases are really there: three cells split in two by the strip, one holding the small hole.
    expect(split).toEqual(['L3a', 'L3b', 'L4a', 'L4b', 'L5a', 'L5b']);
    expect(holed).toEqual(['G4']);
  });
});

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
/** Three 0.1° squares meeting at [120.3, 30.5]; the south-east quadrant is nobody's. */
const tricountyJunction: Jurisdiction[] = [
  { stationId: 'north-west', area: square(120.2, 30.5) },
  { stationId: 'north-east', area: square(120.3, 30.5) },
  { stationId: 'south', area: square(120.2, 30.4) },
];

describe('jurisdictionSectors', () => {
  test('an area around the junction: one sector per station, then what lies outside every jurisdiction', () => {
    const around = square(120.28, 30.48, 0.04);
    const sectors = jurisdictionSectors(around, tricountyJunction);
    expect(sectors.map((s) => [s.name, s.stationId])).toEqual([
      ['A', 'north-west'],
      ['B', 'north-east'],
      ['C', 'south'],
      ['D', undefined],
    ]);
    for (const s of sectors) expect(area(s.polygon) / (area(around) / 4)).toBeCloseTo(1, 2);
    expect(sumArea(sectors) / area(around)).toBeCloseTo(1, 4);
  });

  test('an area inside one jurisdiction is one sector', () => {
    const inside = square(120.32, 30.52, 0.01);
    const sectors = jurisdictionSectors(inside, tricountyJunction);
    expect(sectors.map((s) => [s.name, s.stationId])).toEqual([['A', 'north-east']]);
    expect(area(sectors[0]!.polygon) / area(inside)).toBeCloseTo(1, 6);
  });

  test('a station split by the area gives one sector per piece, largest first', () => {
    const twoParts: Jurisdiction = {
      stationId: 'split',
      area: { type: 'MultiPolygon', coordinates: [square(120.2, 30.5).coordinates, square(120.35, 30.5).coordinates] },
    };
    // 0.02° wide in the west part, 0.01° in the east part, 0.05° of nobody's in between.
    const clipped: Polygon = {
      type: 'Polygon',
      coordinates: [
        [
          [120.28, 30.52],
          [120.36, 30.52],
          [120.36, 30.54],
          [120.28, 30.54],
          [120.28, 30.52],
        ],
      ],
    };
    const sectors = jurisdictionSectors(clipped, [twoParts]);
    expect(sectors.map((s) => [s.name, s.stationId])).toEqual([
      ['A', 'split'],
      ['B', 'split'],
      ['C', undefined],
    ]);
    expect(area(sectors[0]!.polygon) / area(sectors[1]!.polygon)).toBeCloseTo(2, 2);
    expect(sumArea(sectors) / area(clipped)).toBeCloseTo(1, 4);
  });

  test('on the real tri-county jurisdictions a 3 km circle at the junction splits into the three stations, summing to the area ± 1 %', () => {
    const stations: Jurisdiction[] = [
      { stationId: 'deqing-yuyue', area: readCounty('330521') },
      { stationId: 'linping-yunhe', area: readCounty('330113') },
      { stationId: 'tongxiang-zhouquan', area: readCounty('330483') },
    ];
    const circle = searchAreaFromLastKnown(lngLat(120.2954, 30.5222), 45 * 60_000, 'foot'); // 3 km
    const sectors = jurisdictionSectors(circle, stations);
    expect([...new Set(sectors.map((s) => s.stationId))].sort()).toEqual([
      'deqing-yuyue',
      'linping-yunhe',
      'tongxiang-zhouquan',
    ]);
    expect(sectors.map((s) => s.name)).toEqual(sectors.map((_, i) => sectorLetters(i)));
    expect(Math.abs(sumArea(sectors) / area(circle) - 1)).toBeLessThanOrEqual(0.01);
  });
});
