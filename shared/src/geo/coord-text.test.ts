import { describe, expect, test } from 'vitest';
import { distance } from '@turf/turf';
import {
  formatDecimal,
  formatDms,
  formatGcj02,
  fromGcj02,
  parseCoordinate,
  toGcj02,
  type ParsedCoordinate,
} from './coord-text.ts';
import { lngLat, type LngLat } from './lnglat.ts';

/** Points over the demo area and beyond: the tri-county junction, 德清 centre, hemispheres W/S, edges. */
const POINTS: LngLat[] = [
  lngLat(120.2954, 30.5222),
  lngLat(119.9775123, 30.5443987),
  lngLat(120.1, 30.5),
  lngLat(-73.9857, 40.7484),
  lngLat(151.2153, -33.8568),
  lngLat(-0.0000004, -0.0000004),
  lngLat(179.9999999, 89.9999999),
];

function point(r: ParsedCoordinate): LngLat {
  if (!r.ok) throw new Error(`not parsed: ${r.reason}`);
  return r.lngLat;
}

function expectNear(a: LngLat, b: readonly [number, number], tolDeg: number): void {
  expect(Math.abs(a[0] - b[0])).toBeLessThanOrEqual(tolDeg);
  expect(Math.abs(a[1] - b[1])).toBeLessThanOrEqual(tolDeg);
}

describe('decimal degrees', () => {
  test.each(POINTS)('format → parse round-trips %s within 1e-6°', (lng, lat) => {
    const p = lngLat(lng, lat);
    const r = parseCoordinate(formatDecimal(p));
    expectNear(point(r), p, 1e-6);
    expect(r).toMatchObject({ datum: 'wgs84' });
  });

  test('lng-first as the product prints it, in any separator', () => {
    for (const text of ['120.1, 30.5', '120.1,30.5', '120.1 30.5', '120.1，30.5', '（120.1、30.5）']) {
      expect(parseCoordinate(text), text).toMatchObject({ ok: true, lngLat: [120.1, 30.5], order: 'lng-lat' });
    }
  });

  test('lat-first is detected when only that reading falls in China', () => {
    expect(parseCoordinate('30.5, 120.1')).toMatchObject({ ok: true, lngLat: [120.1, 30.5], order: 'lat-lng' });
    // |first| > 90 can only be a longitude; a second > 90 can only be one too.
    expect(parseCoordinate('-33.8568, 151.2153')).toMatchObject({ lngLat: [151.2153, -33.8568], order: 'lat-lng' });
    // Outside China both readings are valid: the product's own order wins.
    expect(parseCoordinate('10, 20')).toMatchObject({ lngLat: [10, 20], order: 'lng-lat' });
  });

  test('out of range or not two numbers is refused', () => {
    expect(parseCoordinate('200, 100')).toEqual({ ok: false, reason: 'range' });
    expect(parseCoordinate('')).toEqual({ ok: false, reason: 'empty' });
    expect(parseCoordinate('120.1')).toEqual({ ok: false, reason: 'syntax' });
    expect(parseCoordinate('120.1, 30.5, 7')).toEqual({ ok: false, reason: 'syntax' });
    expect(parseCoordinate('杭州市')).toEqual({ ok: false, reason: 'syntax' });
    expect(parseCoordinate('30.5N 40.1S')).toEqual({ ok: false, reason: 'syntax' });
  });
});

describe('度分秒', () => {
  test('formats latitude first with hemispheres, carrying 59.995″ into the minutes', () => {
    expect(formatDms(lngLat(120.1, 30.5))).toBe('30°30′00.00″N 120°06′00.00″E');
    expect(formatDms(lngLat(-73.9857, -33.8568), 1)).toBe('33°51′24.5″S 73°59′08.5″W');
    expect(formatDms(lngLat(120, 30 + 59.9999 / 3600))).toBe('30°01′00.00″N 120°00′00.00″E');
  });

  test.each(POINTS)('format → parse round-trips %s (3 decimals of seconds: within 1e-6°)', (lng, lat) => {
    const p = lngLat(lng, lat);
    expectNear(point(parseCoordinate(formatDms(p, 3))), p, 1e-6);
    // The 2-decimal readout is within half its last digit, 0.005″.
    expectNear(point(parseCoordinate(formatDms(p))), p, 0.005 / 3600 + 1e-12);
  });

  test('reads the ways people write it', () => {
    const target: [number, number] = [120.1, 30.5];
    for (const text of [
      `30°30'00"N 120°06'00"E`,
      `30°30'00"N, 120°06'00"E`,
      `120°06'00"E 30°30'00"N`,
      `N30°30'00" E120°06'00"`,
      `30°30′00″N 120°6′0″E`,
      `北纬30度30分00秒 东经120度06分00秒`,
      `北纬30°30′ 东经120°6′`,
      `30°30.000'N 120°06.000'E`,
      `30.5N 120.1E`,
      `30°30' 120°06'`,
    ]) {
      expectNear(point(parseCoordinate(text)), target, 1e-9);
    }
    expectNear(point(parseCoordinate(`33°51'24.5"S 151°12'55"E`)), [151.2152778, -33.8568056], 1e-7);
  });

  test('minutes or seconds of 60 and units out of order are refused', () => {
    expect(parseCoordinate(`30°60'00"N 120°06'00"E`).ok).toBe(false);
    expect(parseCoordinate(`30°30'60"N 120°06'00"E`).ok).toBe(false);
    expect(parseCoordinate(`30'30°N 120°06'E`).ok).toBe(false);
  });
});

describe('GCJ-02', () => {
  test.each(POINTS.slice(0, 3))('WGS-84 → GCJ-02 text → parse round-trips %s within 1 m', (lng, lat) => {
    const p = lngLat(lng, lat);
    const r = parseCoordinate(`GCJ-02 ${formatGcj02(p)}`);
    expect(r).toMatchObject({ ok: true, datum: 'gcj02' });
    expect(distance([...p], [...point(r)], { units: 'meters' })).toBeLessThan(1);
  });

  test('the shift in Huzhou is hundreds of metres, and the value is marked however it is written', () => {
    const p = lngLat(120.2954, 30.5222);
    const g = toGcj02(p);
    const shift = distance([...p], g, { units: 'meters' });
    expect(shift).toBeGreaterThan(300);
    expect(shift).toBeLessThan(800);
    for (const mark of ['gcj02 {}', '{} (GCJ-02)', '高德 {}', '火星 {}', 'GCJ {}']) {
      const r = parseCoordinate(mark.replace('{}', `${g[0]},${g[1]}`));
      expect(r, mark).toMatchObject({ ok: true, datum: 'gcj02' });
      expect(distance([...p], [...point(r)], { units: 'meters' })).toBeLessThan(1);
    }
    expect(distance([...fromGcj02(g)], [...p], { units: 'meters' })).toBeLessThan(1);
  });

  // gcoord's inverse never returned for this one: the go-to box froze the tab.
  test('a GCJ-02 value just inside the box of China is read at once', { timeout: 2000 }, () => {
    const r = parseCoordinate('gcj02 72.51,0.83');
    expect(r).toMatchObject({ ok: true, datum: 'gcj02' });
    expectNear(point(r), [72.51, 0.83], 0.01);
  });

  test('an unmarked value is WGS-84, untouched', () => {
    expect(parseCoordinate('WGS-84 120.2954, 30.5222')).toMatchObject({ datum: 'wgs84', lngLat: [120.2954, 30.5222] });
  });
});
