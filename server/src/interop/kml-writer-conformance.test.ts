import { toKML } from '@placemarkio/tokml';
import { DOMParser, XMLSerializer, type Element as XmlElement } from '@xmldom/xmldom';
import type { Feature, FeatureCollection, Geometry, Position } from 'geojson';
import { describe, expect, it } from 'vitest';
import { seededRng, type Rng } from '../tools/sim-walker.ts';
import { kmlStyle } from './kml-styles.ts';
import { kmlDocument } from './kml-writer.ts';
import { XML_HEAD } from './xml-text.ts';

/**
 * kml-writer.ts against `@placemarkio/tokml` 0.3.9, the library it replaced, as the oracle.
 *
 * The oracle is the export pipeline as it was before the writer: tokml's document, parsed by
 * `@xmldom/xmldom`, an inline `<Style>` put in each Placemark before its first child that is not
 * its name, description or visibility (tokml writes no style; the Style's content is `kmlStyle`'s,
 * as ours is), serialised again by xmldom after `XML_HEAD`. That xmldom round trip is the only
 * other normalisation: it is what made tokml's `&#x3C;` into `&lt;`, its raw `>` into `&gt;`, and
 * its empty `<ExtendedData></ExtendedData>` into `<ExtendedData/>`, and what read a carriage
 * return in a label as a line feed (ours keeps it, as tokml did). So ours must be the same bytes,
 * and, where a label holds a carriage return, the same document once parsed.
 *
 * Known differences, left out of the random collections: a tab or line break in an id or a
 * property's name, which tokml wrote raw into the attribute (read back as a space), ours as a
 * character reference (read back as itself; see the last test); and a description that is an
 * object `{"@type": "html", value}`, which tokml wrote as CDATA and ours as JSON (our features'
 * descriptions are strings).
 */

const KML_NS = 'http://www.opengis.net/kml/2.2';
const parse = (xml: string) => new DOMParser({ onError: () => {} }).parseFromString(xml, 'text/xml');
const serialise = (node: Parameters<XMLSerializer['serializeToString']>[0]) =>
  new XMLSerializer().serializeToString(node);

/** The KML an export was before kml-writer.ts (tokml, then xmldom adding each Style). */
function tokmlWithStyles(collection: FeatureCollection): string {
  const doc = parse(toKML(collection as never));
  const placemarks = Array.from(doc.getElementsByTagNameNS(KML_NS, 'Placemark'));
  expect(placemarks).toHaveLength(collection.features.length);
  placemarks.forEach((placemark, i) => {
    const style = kmlStyle(collection.features[i]!);
    if (!style) return;
    const node = doc.importNode(parse(`<kml xmlns="${KML_NS}">${style}</kml>`).documentElement!.firstChild!, true);
    const before = Array.from(placemark.childNodes).find(
      (n) => n.nodeType === 1 && !['name', 'description', 'visibility'].includes((n as XmlElement).localName!),
    );
    placemark.insertBefore(node, before ?? null);
  });
  return XML_HEAD + serialise(doc);
}

const ours = (collection: FeatureCollection) => [...kmlDocument(collection)].join('');

/** Ours is the oracle's document: byte for byte, or once parsed where a label holds a CR. */
function expectSameKml(collection: FeatureCollection, label: string): void {
  const oracle = tokmlWithStyles(collection);
  const mine = ours(collection);
  if (mine.includes('\r')) expect(serialise(parse(mine)), label).toBe(serialise(parse(oracle)));
  else expect(mine, label).toBe(oracle);
}

/** A feature, its geometry possibly null (GeoJSON allows it; the `geojson` types do not). */
const feature = (geometry: Geometry | null, properties: Feature['properties'], id?: Feature['id']): Feature =>
  ({ type: 'Feature', ...(id === undefined ? {} : { id }), geometry, properties }) as Feature;

const square = (x: number, y: number, d: number): Position[] => [
  [x, y],
  [x + d, y],
  [x + d, y + d],
  [x, y + d],
  [x, y],
];

/** Every kind of geometry, value and label the exports meet, and a few they should not. */
const fixture: FeatureCollection = {
  type: 'FeatureCollection',
  features: [
    feature(
      { type: 'Point', coordinates: [120.3, 30.5, 12.5] },
      { name: '集合点 <A&B> "q" \'a\'', description: '民警·辅警 > 3', 'marker-color': '#dc2626', n: 7, ok: true },
      'a1',
    ),
    feature(
      { type: 'LineString', coordinates: square(120, 30, 0.01) },
      { name: '巡线', stroke: '#0f0', 'stroke-width': 5, 'stroke-opacity': 0.5, nested: { a: [1, '<&>', null] } },
      42,
    ),
    feature(
      { type: 'Polygon', coordinates: [square(120, 30, 1), square(120.1, 30.1, 0.1), square(120.5, 30.5, 0.1)] },
      { name: 0, description: '', fill: '#7c3aed', 'fill-opacity': 0.2, stroke: '#123', n: null, visibility: false },
      -1.5,
    ),
    feature(
      {
        type: 'MultiPolygon',
        coordinates: [[square(0, 0, 1), square(0.2, 0.2, 0.1)], [square(-10, -10, 2)]],
      },
      { description: { html: '<b>x</b>' }, 'k<"&>\'': 'v', 中文: '中文' },
      '',
    ),
    feature(
      {
        type: 'MultiPoint',
        coordinates: [
          [1, 2],
          [-3.25, -4e-7],
        ],
      },
      { name: true, visibility: 1 },
    ),
    feature(
      {
        type: 'MultiLineString',
        coordinates: [
          square(5, 5, 1),
          [
            [6, 6],
            [7, 7],
          ],
        ],
      },
      {},
    ),
    feature(
      {
        type: 'GeometryCollection',
        geometries: [
          { type: 'Point', coordinates: [1, 1] },
          {
            type: 'GeometryCollection',
            geometries: [
              {
                type: 'LineString',
                coordinates: [
                  [2, 2],
                  [3, 3],
                ],
              },
            ],
          },
        ],
      },
      { name: 'gc', description: '多行\n第二行\t制表', label: 'ctl\u0001\u001f' },
    ),
    feature(null, { name: 'no geometry' }),
    feature(null, null),
    feature({ type: 'MultiPoint', coordinates: [] }, { empty: [] }),
  ],
};

// Random collections: drawn from pools so that every case is a valid FeatureCollection with the
// awkward parts (XML's special characters, Chinese, non-string values, missing labels) common.

const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;
const count = (rng: Rng, max: number) => Math.floor(rng() * (max + 1));

const CHARS = [...'aZ09 .-_<>&"\'中文巡逻搜索区·é😀', '\t', '\n', '\u0001'];
const LABELS = ['', '巡逻组', 'A&B', '<b>粗体</b>', '"引号"', "it's", '1 > 0', '  ', '😀'];

function text(rng: Rng, cr: boolean): string {
  if (rng() < 0.3) return pick(rng, LABELS);
  let s = '';
  for (let i = count(rng, 12); i > 0; i--) s += cr && rng() < 0.05 ? pick(rng, ['\r', '\r\n']) : pick(rng, CHARS);
  return s;
}

const NUMBERS = [0, -0, 1, -7, 3.14159, 1e21, 1.5e-7, 123456789.123, Number.MAX_SAFE_INTEGER];

function scalar(rng: Rng, cr: boolean): unknown {
  switch (count(rng, 5)) {
    case 0:
      return pick(rng, NUMBERS);
    case 1:
      return rng() < 0.5;
    case 2:
      return null;
    default:
      return text(rng, cr);
  }
}

function value(rng: Rng, cr: boolean, depth = 0): unknown {
  if (depth > 1 || rng() < 0.75) return scalar(rng, cr);
  if (rng() < 0.5) return Array.from({ length: count(rng, 3) }, () => value(rng, cr, depth + 1));
  return Object.fromEntries(Array.from({ length: count(rng, 3) }, () => [key(rng), value(rng, cr, depth + 1)]));
}

/** A property's name: no tab, LF or CR (see the header). */
const KEYS = ['kind', '类型', 'a<b', 'x&y', 'q"uote', "apos'", '>', '1', '20', '', 'name2', 'coordinateProperties'];
const key = (rng: Rng) => (rng() < 0.8 ? pick(rng, KEYS) : text(rng, false).replace(/[\t\n]/g, ''));

const STYLE: Record<string, readonly unknown[]> = {
  stroke: ['#dc2626', '#0f0', 'red', ' #ABCDEF '],
  fill: ['#7c3aed', '#fff', '#12345'],
  'marker-color': ['#2563eb', '#abc'],
  'stroke-width': [1, 2.5, 0, -1, '4', 'wide'],
  'stroke-opacity': [0, 0.25, 1, 2, 'x'],
  'fill-opacity': [0.2, -1, '0.5'],
};

function properties(rng: Rng, cr: boolean): Feature['properties'] {
  if (rng() < 0.1) return null;
  const p: Record<string, unknown> = {};
  if (rng() < 0.7) p.name = rng() < 0.8 ? text(rng, cr) : scalar(rng, cr);
  if (rng() < 0.5) p.description = rng() < 0.8 ? text(rng, cr) : value(rng, cr);
  for (let i = count(rng, 5); i > 0; i--) p[key(rng)] = value(rng, cr);
  for (const [k, choices] of Object.entries(STYLE)) if (rng() < 0.25) p[k] = pick(rng, choices);
  if (rng() < 0.15) p.visibility = pick(rng, [true, false, 0, 1, null]);
  return p;
}

function position(rng: Rng): Position {
  const digits = count(rng, 8);
  const lng = Number(((rng() - 0.5) * 360).toFixed(digits));
  const lat = Number(((rng() - 0.5) * 180).toFixed(digits));
  return rng() < 0.2 ? [lng, lat, Math.round(rng() * 5000) / 10] : [lng, lat];
}

const line = (rng: Rng): Position[] => Array.from({ length: 2 + count(rng, 6) }, () => position(rng));
const ring = (rng: Rng): Position[] => {
  const r = line(rng);
  return [...r, r[0]!];
};
const polygon = (rng: Rng): Position[][] => [ring(rng), ...Array.from({ length: count(rng, 2) }, () => ring(rng))];

/** A geometry of any kind; a collection holds collections two deep at most. */
function shape(rng: Rng, depth = 0): Geometry {
  switch (count(rng, depth < 2 ? 6 : 5)) {
    case 0:
      return { type: 'Point', coordinates: position(rng) };
    case 1:
      return { type: 'LineString', coordinates: line(rng) };
    case 2:
      return { type: 'Polygon', coordinates: polygon(rng) };
    case 3:
      return { type: 'MultiPoint', coordinates: Array.from({ length: count(rng, 3) }, () => position(rng)) };
    case 4:
      return { type: 'MultiLineString', coordinates: Array.from({ length: 1 + count(rng, 2) }, () => line(rng)) };
    case 5:
      return { type: 'MultiPolygon', coordinates: Array.from({ length: 1 + count(rng, 2) }, () => polygon(rng)) };
    default:
      return {
        type: 'GeometryCollection',
        geometries: Array.from({ length: count(rng, 3) }, () => shape(rng, depth + 1)),
      };
  }
}

/** An id: none, a string (no tab, LF or CR; see the header) or a number. */
function id(rng: Rng): Feature['id'] {
  const r = rng();
  if (r < 0.3) return undefined;
  if (r < 0.65) return text(rng, false).replace(/[\t\n]/g, '');
  return pick(rng, [0, 1, -2, 3.5, 1e21, 98765]);
}

/** A FeatureCollection of 0–8 features, labels with a carriage return when `cr`. */
function randomCollection(seed: number, cr: boolean): FeatureCollection {
  const rng = seededRng(seed);
  const features = Array.from({ length: count(rng, 8) }, () => {
    const geometry = rng() < 0.1 ? null : shape(rng);
    return feature(geometry, properties(rng, cr), id(rng));
  });
  return { type: 'FeatureCollection', features };
}

describe('kml-writer.ts writes what tokml 0.3.9 wrote (with the inline Style added as before)', () => {
  it('the fixture: every geometry, holes, null geometry and properties, odd labels, numeric and string ids', () => {
    expectSameKml(fixture, 'fixture');
    expectSameKml({ type: 'FeatureCollection', features: [] }, 'empty');
  });

  it('300 seeded random collections, byte for byte', () => {
    let placemarks = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const collection = randomCollection(seed, false);
      placemarks += collection.features.length;
      expectSameKml(collection, `seed ${seed}`);
    }
    // The cases are not all empty: about four features each.
    expect(placemarks).toBeGreaterThan(900);
  });

  it('100 seeded random collections whose labels hold carriage returns, as documents', () => {
    let withCr = 0;
    for (let seed = 1001; seed <= 1100; seed++) {
      const collection = randomCollection(seed, true);
      if (ours(collection).includes('\r')) withCr++;
      expectSameKml(collection, `seed ${seed}`);
    }
    expect(withCr).toBeGreaterThan(20);
  });

  it('keeps a tab or line break in an id or property name, which tokml wrote raw and so read back as a space', () => {
    const collection: FeatureCollection = {
      type: 'FeatureCollection',
      features: [feature({ type: 'Point', coordinates: [1, 2] }, { 'a\tb\nc': 'v' }, 'x\ty')],
    };
    const attributes = (xml: string) => {
      const placemark = parse(xml).getElementsByTagNameNS(KML_NS, 'Placemark')[0]!;
      const data = placemark.getElementsByTagNameNS(KML_NS, 'Data')[0]!;
      return [placemark.getAttribute('id'), data.getAttribute('name')];
    };
    expect(attributes(ours(collection))).toEqual(['x\ty', 'a\tb\nc']);
    expect(attributes(toKML(collection as never))).toEqual(['x y', 'a b c']);
  });
});
