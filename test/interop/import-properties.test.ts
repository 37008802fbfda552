import { describe, expect, it } from 'vitest';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { connectClient } from '../helpers/sync-client.ts';
import { DEQING } from '../helpers/tasks.ts';
import { uploadFile } from './import-helpers.ts';

const collection = (features: object[]) => Buffer.from(JSON.stringify({ type: 'FeatureCollection', features }));
const point = (properties: object, coordinates = [120.3, 30.5]) => ({
  type: 'Feature',
  properties,
  geometry: { type: 'Point', coordinates },
});

/** A closed square ring of `size` degrees with its south-west corner at (x, y). */
const square = (x: number, y: number, size: number) => [
  [x, y],
  [x + size, y],
  [x + size, y + size],
  [x, y + size],
  [x, y],
];

describe('what an import reads of a feature besides its shape', () => {
  it('clue and found markers export with their symbol (GeoJSON and KML) and import back as markers with the time they were marked; a symbol the schema cannot hold is ignored', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const client = await connectClient(t, server.wsUrl, `${DEMO_OP}/${DEQING}`, token);
    // Marked an hour ago (a found marker's time is when the person was found).
    const marked = Date.now() - 3_600_000;
    const marker = (id: string, symbol: string, label: string, coordinates: number[]) => ({
      id,
      kind: 'point',
      geometry: { type: 'Point', coordinates },
      label,
      color: symbol === 'clue' ? '#0284c7' : '#be123c',
      symbol,
      author: 'u-deqing',
      createdAt: marked,
      updatedAt: marked,
    });
    const annotations = client.doc.getMap('annotations');
    annotations.set('m1', marker('m1', 'clue', '线索：蓝色三轮车', [120.301, 30.521]));
    annotations.set('m2', marker('m2', 'found', '找到：走失老人', [120.302, 30.522]));
    const base = `${server.url}/api/operations/${DEMO_OP}/export?what=annotations&scope=${DEQING}`;
    const get = async (format: string) =>
      (await fetch(`${base}&format=${format}`, { headers: { authorization: `Bearer ${token}` } })).text();
    // The export reads the stored document: poll until the client's writes reached it.
    let geojson = '';
    for (let i = 0; i < 100 && !geojson.includes('走失老人'); i++) {
      if (i) await new Promise((r) => setTimeout(r, 100));
      geojson = await get('geojson');
    }
    const kml = await get('kml');
    expect(kml).toContain('<Data name="symbol"><value>found</value>');
    for (const file of [geojson, kml]) {
      const back = await uploadFile(server, token, Buffer.from(file), { scope: DEQING });
      expect(back.status).toBe(200);
      const of = (label: string) => back.body.annotations.find((a) => a.label === label);
      expect(of('线索：蓝色三轮车')).toMatchObject({
        kind: 'point',
        symbol: 'clue',
        color: '#0284c7',
        createdAt: marked,
      });
      expect(of('找到：走失老人')).toMatchObject({
        kind: 'point',
        symbol: 'found',
        color: '#be123c',
        createdAt: marked,
      });
      expect(of('找到：走失老人')!.updatedAt).toBeGreaterThan(marked);
    }

    // A symbol longer than the schema's 40 characters, or not text, leaves a plain point (not a refusal).
    const odd = await uploadFile(
      server,
      token,
      collection([point({ name: 'a', symbol: 'x'.repeat(41) }), point({ name: 'b', symbol: 7 }), point({ name: 'c' })]),
      { scope: DEQING },
    );
    expect(odd.status).toBe(200);
    expect(odd.body.annotations.map((a) => [a.label, a.kind, a.symbol])).toEqual([
      ['a', 'point', undefined],
      ['b', 'point', undefined],
      ['c', 'point', undefined],
    ]);
    expect(odd.body.skipped).toEqual({});
  });

  it('an upper-case NAME (ogr2ogr from a Chinese shapefile) labels the feature, after name, title, label and Name', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const res = await uploadFile(
      server,
      token,
      collection([
        {
          type: 'Feature',
          properties: { NAME: '德清县' },
          geometry: { type: 'Polygon', coordinates: [square(120, 30.5, 0.2)] },
        },
        point({ NAME: '武康街道', name: '武康' }),
        point({ NAME: '  ', Name: '新市镇' }),
      ]),
      { scope: DEQING },
    );
    expect(res.status).toBe(200);
    expect(res.body.annotations.map((a) => [a.kind, a.label])).toEqual([
      ['polygon', '德清县'],
      ['point', '武康'],
      ['point', '新市镇'],
    ]);
  });

  it('a hole that collapses below 4 points once rounded is dropped and counted, the polygon and its other holes kept; a collapsed outer ring still skips the polygon', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    // Three corners within 1e-8° of each other: one point once rounded to 7 decimals.
    const speck = [
      [120.25, 30.55],
      [120.250000001, 30.55],
      [120.25, 30.550000001],
      [120.25, 30.55],
    ];
    const hole = [
      [120.3, 30.6],
      [120.31, 30.6],
      [120.31, 30.61],
      [120.3, 30.6],
    ];
    const res = await uploadFile(
      server,
      token,
      collection([
        {
          type: 'Feature',
          properties: { name: '搜索区' },
          geometry: { type: 'Polygon', coordinates: [square(120.2, 30.5, 0.2), speck, hole] },
        },
        { type: 'Feature', properties: { name: '尘点' }, geometry: { type: 'Polygon', coordinates: [speck] } },
      ]),
      { scope: DEQING },
    );
    expect(res.status).toBe(200);
    expect(res.body.annotations.map((a) => [a.label, a.geometry.coordinates])).toEqual([
      ['搜索区', [square(120.2, 30.5, 0.2), hole]],
    ]);
    const { 'polygon hole of fewer than 4 points': dropped, ...others } = res.body.skipped;
    expect(dropped).toBe(1);
    // The collapsed outer ring: refused by the record schema as before (one polygon, its reason).
    expect(Object.values(others)).toEqual([1]);
  });
});
