import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { importRunner } from '../../server/src/interop/import-run.ts';
import { startServer } from '../helpers/server.ts';
import { DEQING } from '../helpers/tasks.ts';
import { kmlOf, manyTracks, uploadFile } from './import-helpers.ts';

const convert = { crs: 'wgs84', author: 'u-test', now: 1, defaultColor: '#112233', maxAnnotations: 5000 } as const;

describe('a large import does not hold up the server', () => {
  it('reading and converting 13.6 MiB of KML (2,000 tracks, all out of range) stalls the event loop by less than 1.5 s (6–9 s when it ran on it)', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    // Longitudes beyond 180: everything is read and converted, and all of it skipped, so the answer is small.
    const file = manyTracks(2000, 250, 200);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const res = await uploadFile(server, token, file, { scope: DEQING });
    delay.disable();
    expect([res.status, res.body.error?.code]).toEqual([400, 'INVALID_PAYLOAD']);
    expect(res.body.error!.message).toMatch(/2000 coordinates out of range/);
    expect(delay.max / 1e6).toBeLessThan(1500);
  });

  it('more placemarks than IMPORT_MAX_FEATURES are refused with PAYLOAD_TOO_LARGE before the XML is parsed (a broken tail is never reached)', async (t) => {
    const server = await startServer(t, { importMaxFeatures: 2 });
    const { token } = await server.login('deqing');
    const point = (i: number) =>
      `<Placemark><name>p${i}</name><Point><coordinates>120.3,30.5</coordinates></Point></Placemark>`;
    const broken = Buffer.concat([kmlOf([1, 2, 3].map(point).join('')).subarray(0, -10), Buffer.from('<unclosed')]);
    const res = await uploadFile(server, token, broken, { scope: DEQING });
    expect([res.status, res.body.error?.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(res.body.error!.message).toMatch(/^3 features: at most 2/);
  });

  it('a GeoJSON of more features than IMPORT_MAX_FEATURES is refused with PAYLOAD_TOO_LARGE before any is converted', async (t) => {
    const server = await startServer(t, { importMaxFeatures: 2 });
    const { token } = await server.login('deqing');
    // Three features whose geometries could not be converted anyway: counted, not converted.
    const features = [1, 2, 3].map(() => ({
      type: 'Feature',
      properties: {},
      geometry: { type: 'Point', coordinates: 'x' },
    }));
    const res = await uploadFile(server, token, Buffer.from(JSON.stringify({ type: 'FeatureCollection', features })), {
      scope: DEQING,
    });
    expect([res.status, res.body.error?.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(res.body.error!.message).toMatch(/^3 features: at most 2/);
  });

  it('an import worker that runs past its time limit, or out of its heap, is stopped and the file refused with PAYLOAD_TOO_LARGE', async () => {
    const job = { bytes: manyTracks(200, 250), maxBytes: 2 ** 25, maxFeatures: 5000, convert, withAnnotations: false };
    const slow = importRunner({ concurrency: 1, maxWaiting: 1, timeLimitMs: 1, maxHeapMb: 1024 });
    await expect(slow(job)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: /took more than/ });
    const small = importRunner({ concurrency: 1, maxWaiting: 1, timeLimitMs: 120_000, maxHeapMb: 4 });
    await expect(small({ ...job, bytes: manyTracks(2000, 250) })).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: /more memory/,
    });
    const fine = importRunner({ concurrency: 1, maxWaiting: 1, timeLimitMs: 120_000, maxHeapMb: 1024 });
    expect((await fine(job)).count).toBe(200);
  });
});
