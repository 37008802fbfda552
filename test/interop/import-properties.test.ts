import { describe, expect, it } from 'vitest';
import { DEMO_OP } from '../helpers/server.ts';
import { connectClient } from '../helpers/sync-client.ts';
import { DEQING } from '../helpers/tasks.ts';
import { exportOnceStored, startAsDeqing } from './deqing-desk.test-support.ts';
import { featureCollection, pointFeature, polygonFeature, squareRing } from './geojson-files.test-support.ts';
import { uploadFile } from './import-helpers.ts';

describe('what an import reads of a feature besides its shape', () => {
  it('clue and found markers export with their symbol (GeoJSON and KML) and import back as markers with the time they were marked; a symbol the schema cannot hold is ignored', async (t) => {
    const { server, token } = await startAsDeqing(t);
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
    const { geojson, kml } = await exportOnceStored(server, token, '走失老人');
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
      featureCollection([
        pointFeature({ name: 'a', symbol: 'x'.repeat(41) }),
        pointFeature({ name: 'b', symbol: 7 }),
        pointFeature({ name: 'c' }),
      ]),
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
    const { server, token } = await startAsDeqing(t);
    const res = await uploadFile(
      server,
      token,
      featureCollection([
        polygonFeature({ NAME: '德清县' }, [squareRing(120, 30.5, 0.2)]),
        pointFeature({ NAME: '武康街道', name: '武康' }),
        pointFeature({ NAME: '  ', Name: '新市镇' }),
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
    const { server, token } = await startAsDeqing(t);
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
      featureCollection([
        polygonFeature({ name: '搜索区' }, [squareRing(120.2, 30.5, 0.2), speck, hole]),
        polygonFeature({ name: '尘点' }, [speck]),
      ]),
      { scope: DEQING },
    );
    expect(res.status).toBe(200);
    expect(res.body.annotations.map((a) => [a.label, a.geometry.coordinates])).toEqual([
      ['搜索区', [squareRing(120.2, 30.5, 0.2), hole]],
    ]);
    const { 'polygon hole of fewer than 4 points': dropped, ...others } = res.body.skipped;
    expect(dropped).toBe(1);
    // The collapsed outer ring: refused by the record schema as before (one polygon, its reason).
    expect(Object.values(others)).toEqual([1]);
  });
});
