import { describe, expect, it } from 'vitest';
import { DEMO_OP } from '../helpers/server.ts';
import { connectClient } from '../helpers/sync-client.ts';
import { DEQING } from '../helpers/tasks.ts';
import { exportOnceStored, startAsDeqing } from './deqing-desk.test-support.ts';
import { featureCollection, pointFeature, polygonFeature, squareRing } from './geojson-files.test-support.ts';
import { uploadFile } from './import-helpers.ts';

describe('what an import cannot keep is told in its preview', () => {
  it('a polygon of 150 rings keeps its first 100 and the 50 dropped are counted; a 250-character label is cut to 200 and counted', async (t) => {
    const { server, token } = await startAsDeqing(t);
    // An outer ring and 149 holes in a grid inside it (a parcel map with many courtyards).
    const holes = Array.from({ length: 149 }, (_, i) =>
      squareRing(120.2 + (i % 15) * 0.01, 30.4 + Math.floor(i / 15) * 0.01, 0.005),
    );
    const longLabel = `搜索区${'甲'.repeat(247)}`;
    const file = featureCollection([
      polygonFeature({ name: '多孔面' }, [squareRing(120.19, 30.39, 0.2), ...holes]),
      pointFeature({ name: longLabel }),
      pointFeature({ name: '乙'.repeat(200) }, [120.31, 30.5]),
    ]);
    const res = await uploadFile(server, token, file, { scope: DEQING });
    expect(res.status).toBe(200);
    const [polygon, cut, whole] = res.body.annotations;
    expect(polygon!.geometry.coordinates).toHaveLength(100);
    expect(cut!.label).toBe(longLabel.slice(0, 200));
    expect(whole!.label).toHaveLength(200);
    expect(res.body.skipped).toEqual({ 'polygon ring past the 100th': 50, 'label cut to 200 characters': 1 });

    // Applying writes the same and answers the same counts.
    const applied = await uploadFile(server, token, file, { scope: DEQING, apply: '1' });
    expect([applied.status, applied.body.applied]).toEqual([200, true]);
    expect(applied.body.skipped).toEqual(res.body.skipped);
  });

  it('a text annotation exports as GeoJSON and KML and imports back as text; a text without a label as a point', async (t) => {
    const { server, token } = await startAsDeqing(t);
    const client = await connectClient(t, server.wsUrl, `${DEMO_OP}/${DEQING}`, token);
    const now = Date.now();
    client.doc.getMap('annotations').set('t1', {
      id: 't1',
      kind: 'text',
      geometry: { type: 'Point', coordinates: [120.305, 30.525] },
      label: '前方道路塌方 绕行',
      color: '#f59e0b',
      author: 'u-deqing',
      createdAt: now,
      updatedAt: now,
    });
    const { geojson, kml } = await exportOnceStored(server, token, '塌方');
    expect(kml).toContain('<Data name="kind"><value>text</value>');
    for (const file of [geojson, kml]) {
      const back = await uploadFile(server, token, Buffer.from(file), { scope: DEQING });
      expect(back.status).toBe(200);
      expect(back.body.annotations.find((a) => a.label === '前方道路塌方 绕行')).toMatchObject({
        kind: 'text',
        color: '#f59e0b',
        geometry: { type: 'Point', coordinates: [120.305, 30.525] },
      });
    }

    const unlabelled = await uploadFile(server, token, featureCollection([pointFeature({ kind: 'text' })]), {
      scope: DEQING,
    });
    expect(unlabelled.status).toBe(200);
    expect(unlabelled.body.annotations.map((a) => [a.kind, a.label])).toEqual([['point', '']]);
    expect(unlabelled.body.skipped).toEqual({});
  });

  it('the preview of a circle is bounded by its ring, not its centre', async (t) => {
    const { server, token } = await startAsDeqing(t);
    const ring = Array.from({ length: 37 }, (_, i) => {
      const a = ((i % 36) * Math.PI) / 18;
      return [120.31 + (0.005 * Math.sin(a)) / Math.cos((30.53 * Math.PI) / 180), 30.53 + 0.005 * Math.cos(a)];
    });
    const res = await uploadFile(
      server,
      token,
      featureCollection([polygonFeature({ kind: 'circle', radiusM: 500 }, [ring])]),
      { scope: DEQING },
    );
    expect(res.status).toBe(200);
    expect(res.body.annotations[0]).toMatchObject({ kind: 'circle', radiusM: 500 });
    const [west, south, east, north] = res.body.bbox!;
    // 500 m is 0.0045° of latitude.
    expect(north - south).toBeCloseTo(0.009, 4);
    expect(east - west).toBeGreaterThan(0.009);
  });
});
