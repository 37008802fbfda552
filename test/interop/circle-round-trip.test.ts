import { describe, expect, it } from 'vitest';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { connectClient } from '../helpers/sync-client.ts';
import { DEQING } from '../helpers/tasks.ts';
import { uploadFile } from './import-helpers.ts';

describe('circles through export and import', () => {
  it('a circle exports as the polygon of its ring with kind and radiusM (GeoJSON and KML) and imports back as the same circle', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const client = await connectClient(t, server.wsUrl, `${DEMO_OP}/${DEQING}`, token);
    const now = Date.now();
    const circle = {
      id: 'c1',
      kind: 'circle',
      geometry: { type: 'Point', coordinates: [120.31, 30.53] },
      radiusM: 500,
      label: '搜索圈500米',
      color: '#dc2626',
      author: 'u-deqing',
      createdAt: now,
      updatedAt: now,
    };
    client.doc.getMap('annotations').set('c1', circle);
    const base = `${server.url}/api/operations/${DEMO_OP}/export?what=annotations&scope=${DEQING}`;
    const get = async (format: string) =>
      (await fetch(`${base}&format=${format}`, { headers: { authorization: `Bearer ${token}` } })).text();
    // The export reads the stored document: poll until the client's write reached it.
    let geojson = '';
    for (let i = 0; i < 100 && !geojson.includes('搜索圈'); i++) {
      if (i) await new Promise((r) => setTimeout(r, 100));
      geojson = await get('geojson');
    }
    type Exported = { id: string; geometry: { type: string; coordinates: number[][][] }; properties: object };
    const feature = (JSON.parse(geojson) as { features: Exported[] }).features.find((f) => f.id === 'c1')!;
    expect(feature.geometry.type).toBe('Polygon');
    expect(feature.geometry.coordinates[0]).toHaveLength(37);
    expect(feature.properties).toMatchObject({ kind: 'circle', radiusM: 500, stroke: '#dc2626', fill: '#dc2626' });
    const kml = await get('kml');
    expect(kml).toMatch(/<Placemark id="c1">[\s\S]*<Data name="radiusM"><value>500<\/value>[\s\S]*<Polygon>/);

    for (const file of [geojson, kml]) {
      const back = await uploadFile(server, token, Buffer.from(file), { scope: DEQING });
      expect(back.status).toBe(200);
      const again = back.body.annotations.find((a) => a.label === '搜索圈500米')!;
      expect(again).toMatchObject({ kind: 'circle', radiusM: 500, color: '#dc2626' });
      const [lng, lat] = again.geometry.coordinates as number[];
      expect(Math.abs(lng! - 120.31) + Math.abs(lat! - 30.53)).toBeLessThan(1e-6);
    }
  });

  it('a polygon that says it is a circle but has no valid radius imports as a polygon', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const ring = [
      [120.3, 30.5],
      [120.31, 30.5],
      [120.31, 30.51],
      [120.3, 30.5],
    ];
    const features = ['-5', 'far', 300_000].map((radiusM) => ({
      type: 'Feature',
      properties: { kind: 'circle', radiusM },
      geometry: { type: 'Polygon', coordinates: [ring] },
    }));
    const res = await uploadFile(server, token, Buffer.from(JSON.stringify({ type: 'FeatureCollection', features })), {
      scope: DEQING,
    });
    expect(res.status).toBe(200);
    expect(res.body.annotations.map((a) => [a.kind, a.radiusM])).toEqual([
      ['polygon', undefined],
      ['polygon', undefined],
      ['polygon', undefined],
    ]);
  });
});
