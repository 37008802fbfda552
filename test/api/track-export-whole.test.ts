import { expect, it } from 'vitest';
import { streetFixes } from './archive-helpers.ts';
import { startServer } from '../helpers/server.ts';
import { DEQING } from '../helpers/tasks.ts';

/** More fixes than one map request gets (MAX_TRACK_POINTS, 50,000). */
const FIXES = 50_321;

it('a unit’s track downloaded as a file holds every fix of the window, past the 50,000 a map request gets', async (t) => {
  const server = await startServer(t);
  const { token } = await server.login('commander');
  const start = Date.now() - 2 * 24 * 3_600_000;
  const fixes = streetFixes(DEQING, 'long-car', start, FIXES);
  await server.ctx.storage.appendPositions(fixes);
  const last = fixes.at(-1)!;
  const get = async (format?: string) => {
    const qs = new URLSearchParams({ stationId: DEQING, from: String(start), to: String(last.time + 60_000) });
    if (format) qs.set('format', format);
    const res = await fetch(`${server.url}/api/units/long-car/track?${qs}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    return res.text();
  };

  const gpx = await get('gpx');
  expect(gpx.match(/<trkpt /g)?.length).toBe(FIXES);
  expect(gpx).toContain(`<trkpt lat="${last.lat}" lon="${last.lng}"><time>${new Date(last.time).toISOString()}</time>`);
  expect(gpx.endsWith('</trkseg></trk></gpx>')).toBe(true);

  const kml = await get('kml');
  const coordinates = /<coordinates>([^<]*)<\/coordinates>/.exec(kml)![1]!.split('\n');
  expect([coordinates.length, coordinates.at(-1)]).toEqual([FIXES, `${last.lng},${last.lat}`]);

  const geojson = JSON.parse(await get('geojson')) as {
    properties: { count: number; truncated: boolean };
    features: Array<{
      geometry: { coordinates: unknown[] };
      properties: { coordinateProperties: { times: number[] } };
    }>;
  };
  const [line] = geojson.features;
  expect([
    geojson.properties,
    line!.geometry.coordinates.length,
    line!.properties.coordinateProperties.times.at(-1),
  ]).toEqual([expect.objectContaining({ count: FIXES, truncated: false }), FIXES, last.time]);

  // The map still gets the first 50,000 and is told there are more (it loads the rest on demand).
  const map = JSON.parse(await get()) as { properties: { count: number; truncated: boolean } };
  expect(map.properties).toMatchObject({ count: 50_000, truncated: true });
});
