import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { trackToGeoJson } from '../live/track.ts';
import { storedFix } from '../storage/stored-fix.test-support.ts';
import type { PositionFix } from '../storage/types.ts';
import { formatExport, type ExportFormat } from './export-format.ts';
import { TrackColumns } from './track-columns.ts';
import { sendTrackFile, trackFileChunks } from './track-file.ts';

const fix = (i: number, deviceId: string, speed: number | null): PositionFix =>
  storedFix({
    ...{ stationId: 'deqing-yuyue', unitId: 'car&<1>', deviceId, time: 1_764_000_000_000 + i * 1_000 },
    ...{ lng: 120.3 + i * 0.0001, lat: 30.5 - i * 0.00003, speed, bearing: i === 1 ? null : 90 + i },
    ...{ accuracy: 5, receivedAt: 0 },
  });
const fixes = [
  fix(0, 'dev-a', 5),
  fix(1, 'dev-"b"&<', null),
  fix(2, 'dev-a', 7.25),
  ...[3, 4].map((i) => fix(i, 'd', 1)),
];
const meta = { unitId: 'car&<1>', stationId: 'deqing-yuyue', from: 1, to: 2, title: 'track-deqing-yuyue-car' };
const FORMATS: ExportFormat[] = ['geojson', 'kml', 'gpx'];

/** What the document writers make of the same track (as the route made it before). */
function written(list: readonly PositionFix[], format: ExportFormat): string {
  const track = trackToGeoJson(meta.unitId, meta.stationId, list, meta.from, meta.to, false);
  for (const f of track.features) Object.assign(f.properties, { name: `${meta.stationId}/${meta.unitId}` });
  return formatExport(track as never, format, meta.title);
}
function streamed(list: readonly PositionFix[], format: ExportFormat, chunk?: number): string {
  const track = new TrackColumns();
  for (const f of list) track.push(f);
  return [...trackFileChunks(track, format, meta, chunk)].join('');
}
const noClock = (s: string) => s.replace(/<metadata>(.*?)<time>[^<]*<\/time>/, '<metadata>$1<time/>');

describe('a track file written a chunk at a time', () => {
  it('is what the document writers make of the same track, for none, two and more fixes, in chunks of any size', () => {
    for (const format of FORMATS)
      for (const list of [[], fixes.slice(0, 2), fixes])
        for (const chunk of [1, 2, 1_000])
          expect(noClock(streamed(list, format, chunk)), `${format} ${list.length} ${chunk}`).toBe(
            noClock(written(list, format)),
          );
  });

  it('gives a single fix as a point (GPX: a waypoint, with its time)', () => {
    const one = fixes.slice(0, 1);
    for (const format of ['geojson', 'kml'] as const) expect(streamed(one, format)).toBe(written(one, format));
    expect(noClock(streamed(one, 'gpx'))).toBe(
      noClock(written(one, 'gpx')).replace('<wpt lat="30.5" lon="120.3">', '$&<time>2025-11-24T16:00:00.000Z</time>'),
    );
  });

  it('is sent named after its title, a Chinese one too (filename*), with an ASCII name beside it', async () => {
    const app = Fastify();
    app.get('/', (_request, reply) =>
      sendTrackFile(reply, new TrackColumns(), 'kml', { ...meta, title: '德清-临平联合搜索' }),
    );
    const res = await app.inject('/');
    await app.close();
    expect(res.headers['content-type']).toBe('application/vnd.google-earth.kml+xml; charset=utf-8');
    const disposition = String(res.headers['content-disposition']);
    expect(decodeURIComponent(/filename\*=UTF-8''(\S+)/.exec(disposition)?.[1] ?? '')).toBe('德清-临平联合搜索.kml');
    expect(disposition).toContain('filename="track.kml"');
  });
});
