import { readFileSync } from 'node:fs';
import { gpx, kml } from '@tmcw/togeojson';
import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import type { Annotation } from '@jointmap/shared';
import { CAR, send } from '../alerts/alert-helpers.ts';
import { DEMO_OP, startServer, type TestServer } from '../helpers/server.ts';
import { openConsoles } from '../helpers/op-console.ts';
import { eventually } from '../helpers/sync-client.ts';
import { DEQING, squareSectorSearch } from '../helpers/tasks.ts';

/** The GeoJSON the standard readers give back, as far as the tests look at it. */
interface FeatureCollection {
  features: Array<{
    properties: Record<string, unknown> | null;
    geometry: { type: string; coordinates?: unknown } | null;
  }>;
}

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const xml = (text: string) => new DOMParser().parseFromString(text, 'text/xml') as never;
const round = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'number' ? Math.round(x * 1e6) / 1e6 : x));

async function importFile(server: TestServer, token: string, file: Uint8Array, apply: boolean) {
  const res = await fetch(`${server.url}/api/operations/${DEMO_OP}/import?scope=${DEQING}${apply ? '&apply=1' : ''}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: Buffer.from(file),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { annotations: Annotation[] }).annotations;
}

async function download(server: TestServer, token: string, path: string) {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status, path).toBe(200);
  return {
    type: res.headers.get('content-type'),
    disposition: res.headers.get('content-disposition'),
    text: await res.text(),
  };
}

/** Name, geometry type, colour and coordinates of each feature, as another tool reads them. */
const features = (c: FeatureCollection) =>
  c.features.map((f) => [
    f.properties?.name,
    f.geometry?.type,
    f.properties?.stroke ?? f.properties?.['marker-color'],
    round((f.geometry as { coordinates: unknown }).coordinates),
  ]);

describe('export for other tools, read back by the standard readers', () => {
  it('annotations imported from Google Earth and CalTopo come back out as GeoJSON, KML and GPX with names, colours and coordinates', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const imported = [
      ...(await importFile(server, token, fixture('google-earth.kml'), true)),
      ...(await importFile(server, token, fixture('caltopo.json'), true)),
    ];
    const expected = imported.map((a) => [a.label, a.geometry.type, a.color, round(a.geometry.coordinates)]);
    const ours = (list: unknown[][]) => list.filter((f) => expected.some((e) => e[0] === f[0]));
    const base = `/api/operations/${DEMO_OP}/export?what=annotations&scope=${DEQING}`;

    const geojson = await download(server, token, `${base}&format=geojson`);
    expect(geojson.type).toContain('application/geo+json');
    expect(geojson.disposition).toMatch(/attachment; filename=".+\.geojson"/);
    // Saved under the operation's Chinese title (RFC 6266 filename*), its id in the ASCII name.
    const title = (await server.ctx.storage.getOperation(DEMO_OP))!.name;
    expect(decodeURIComponent(/filename\*=UTF-8''(\S+)/.exec(geojson.disposition!)?.[1] ?? '')).toBe(
      `${title}-annotations.geojson`,
    );
    expect(geojson.disposition).toContain(`filename="${DEMO_OP}-annotations.geojson"`);
    expect(ours(features(JSON.parse(geojson.text) as FeatureCollection))).toEqual(expected);

    const kmlFile = await download(server, token, `${base}&format=kml`);
    expect(kmlFile.type).toContain('application/vnd.google-earth.kml+xml');
    expect(ours(features(kml(xml(kmlFile.text)) as FeatureCollection))).toEqual(expected);

    // GPX has points and tracks only: an area comes back as a track along its outline.
    const gpxFile = await download(server, token, `${base}&format=gpx`);
    const fromGpx = features(gpx(xml(gpxFile.text)) as FeatureCollection).map((f) => [f[0], f[1], f[3]]);
    const asGpx = expected.map(([name, type, , coordinates]) =>
      type === 'Polygon'
        ? [name, 'LineString', round((JSON.parse(coordinates as string) as number[][][])[0])]
        : [name, type, coordinates],
    );
    // Waypoints first, then tracks, as GPX orders them.
    const order = (l: unknown[][]) =>
      [...l].sort((a, b) => String(a[1]).localeCompare(String(b[1])) || String(a[0]).localeCompare(String(b[0])));
    expect(order(ours(fromGpx))).toEqual(order(asGpx));
  });

  it('the KML export gives each placemark a Style in KML colours (aabbggrr) that Google Earth draws, and keeps the ExtendedData our round trip reads', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const red = { stroke: '#dc2626' };
    const file = {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { name: '红点', 'marker-color': '#dc2626' },
          geometry: { type: 'Point', coordinates: [120.3, 30.52] },
        },
        {
          type: 'Feature',
          properties: { name: '红线', ...red },
          geometry: {
            type: 'LineString',
            coordinates: [
              [120.3, 30.52],
              [120.31, 30.53],
            ],
          },
        },
        {
          type: 'Feature',
          properties: { name: '红区', ...red },
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [120.3, 30.52],
                [120.31, 30.52],
                [120.31, 30.53],
                [120.3, 30.52],
              ],
            ],
          },
        },
      ],
    };
    await importFile(server, token, Buffer.from(JSON.stringify(file)), true);
    const text = (
      await download(server, token, `/api/operations/${DEMO_OP}/export?what=annotations&scope=${DEQING}&format=kml`)
    ).text;
    const doc = new DOMParser().parseFromString(text, 'text/xml');
    const placemark = (name: string) =>
      Array.from(doc.getElementsByTagName('Placemark')).find(
        (p) => p.getElementsByTagName('name')[0]?.textContent === name,
      )!;
    const style = (name: string, path: string) => {
      const [kind, field] = path.split('/') as [string, string];
      const styles = placemark(name).getElementsByTagName('Style');
      expect(styles.length, name).toBe(1);
      return styles[0]!.getElementsByTagName(kind)[0]?.getElementsByTagName(field)[0]?.textContent;
    };
    expect(style('红点', 'IconStyle/color')).toBe('ff2626dc');
    expect(style('红线', 'LineStyle/color')).toBe('ff2626dc');
    expect(style('红线', 'LineStyle/width')).toBe('3');
    expect(style('红区', 'LineStyle/color')).toBe('ff2626dc');
    // The area is filled at 20 % opacity, as the console draws it: alpha 0x33.
    expect(style('红区', 'PolyStyle/color')).toBe('332626dc');
    // The ExtendedData stays: the standard reader gives the colours back as we wrote them.
    const read = kml(xml(text)) as FeatureCollection;
    const back = (name: string) => read.features.find((f) => f.properties?.name === name)?.properties;
    expect([back('红点')?.['marker-color'], back('红线')?.stroke, back('红区')?.fill]).toEqual([
      '#dc2626',
      '#dc2626',
      '#dc2626',
    ]);
  });

  it('a unit’s track over a time window comes out as GPX (with its fix times) and KML, and a search’s sectors (of its split in force) as GeoJSON', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('commander');
    const start = Date.now() - 10 * 60_000;
    const path = Array.from({ length: 6 }, (_, i) => ({
      time: start + i * 10_000,
      at: [120.3 + i * 0.0005, 30.5 + i * 0.0002] as [number, number],
    }));
    await send(server, CAR.deviceId, path);
    const window = `stationId=${DEQING}&from=${start}&to=${start + 60_000}`;

    const gpxFile = await download(server, token, `/api/units/${CAR.unitId}/track?${window}&format=gpx`);
    expect(gpxFile.type).toContain('application/gpx+xml');
    const track = (gpx(xml(gpxFile.text)) as FeatureCollection).features[0]!;
    expect(track.properties?.name).toBe(`${DEQING}/${CAR.unitId}`);
    expect(round((track.geometry as { coordinates: unknown }).coordinates)).toBe(round(path.map((p) => p.at)));
    expect((track.properties?.coordinateProperties as { times: string[] }).times.map((x) => Date.parse(x))).toEqual(
      path.map((p) => p.time),
    );

    const kmlFile = await download(server, token, `/api/units/${CAR.unitId}/track?${window}&format=kml`);
    const fromKml = (kml(xml(kmlFile.text)) as FeatureCollection).features[0]!;
    expect(round((fromKml.geometry as { coordinates: unknown }).coordinates)).toBe(round(path.map((p) => p.at)));

    const [boss] = await openConsoles(t, server, ['commander']);
    const made = squareSectorSearch({
      taskId: 'export-task',
      commanderId: 'u-commander',
      sw: [120.29, 30.51],
      ne: [120.3, 30.52],
      stationId: DEQING,
      sweepWidthM: 100,
    });
    // The search's split in force, and a sector of a split made at the same moment that lost.
    const sector = { ...made.sector, splitId: 'won001' };
    const lost = { ...made.sector, id: `${made.sector.id}-lost01`, name: 'B1', splitId: 'lost01' };
    boss!.write('command', {
      type: 'batch',
      changes: [
        made.change,
        { type: 'put', map: 'searches', key: made.search.id, value: { ...made.search, splitId: 'won001' } },
        { type: 'put', map: 'sectors', key: sector.id, value: sector },
        { type: 'put', map: 'sectors', key: lost.id, value: lost },
      ],
    });
    await eventually(() => boss!.client('command').provider.synced);
    let exported: FeatureCollection | null = null;
    for (let i = 0; i < 50 && !exported?.features.length; i++) {
      const file = await download(server, token, `/api/operations/${DEMO_OP}/export?what=sectors&format=geojson`);
      exported = JSON.parse(file.text) as FeatureCollection;
      if (!exported.features.length) await new Promise((r) => setTimeout(r, 100));
    }
    expect(
      exported!.features.map((f) => [
        f.properties?.name,
        f.properties?.status,
        f.properties?.assignedStationId,
        round(f.geometry),
      ]),
    ).toEqual([['A1', 'assigned', DEQING, round(sector.polygon)]]);
  });
});
