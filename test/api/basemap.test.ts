import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { BASEMAP_RECHECK_MS } from '@jointmap/server/basemap-files';
import { loadBasemaps } from '@jointmap/server/config';
import { startServer, tempDir } from '../helpers/server.ts';

/** Past the time the server goes on serving a PMTiles file as it last looked at it. */
const recheck = () => new Promise((resolve) => setTimeout(resolve, BASEMAP_RECHECK_MS + 50));

describe('customer basemaps', () => {
  test('configured sources are listed with their CRS; PMTiles files are served with ranges', async (t) => {
    const dir = tempDir();
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));
    writeFileSync(join(dir, 'city.pmtiles'), bytes);
    const file = join(dir, 'basemaps.json');
    writeFileSync(
      file,
      JSON.stringify([
        { id: 'city', name: '市局影像', type: 'pmtiles', file: 'city.pmtiles', crs: 'CGCS2000' },
        {
          id: 'gaode',
          name: '内网电子地图',
          type: 'xyz',
          url: 'http://10.0.0.1/tiles/{z}/{x}/{y}.png',
          crs: 'GCJ-02',
          maxzoom: 18,
        },
      ]),
    );
    const server = await startServer(t, { basemaps: loadBasemaps(file) });
    const { token } = await server.login('deqing');
    const auth = { authorization: `Bearer ${token}` };
    const config = (await (await fetch(`${server.url}/api/basemap/config`, { headers: auth })).json()) as {
      sources: Array<Record<string, unknown>>;
    };
    expect(config.sources).toEqual([
      expect.objectContaining({ id: 'city', type: 'pmtiles', url: '/api/basemap/pmtiles/city', crs: 'CGCS2000' }),
      expect.objectContaining({ id: 'gaode', type: 'xyz', crs: 'GCJ-02', maxzoom: 18 }),
    ]);
    const part = await fetch(`${server.url}/api/basemap/pmtiles/city`, { headers: { ...auth, range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 10-19/1000');
    expect([...new Uint8Array(await part.arrayBuffer())]).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    const whole = await fetch(`${server.url}/api/basemap/pmtiles/city`, { headers: auth });
    expect((await whole.arrayBuffer()).byteLength).toBe(1000);
    expect(
      (await fetch(`${server.url}/api/basemap/pmtiles/city`, { headers: { ...auth, range: 'bytes=2000-' } })).status,
    ).toBe(416);
    expect((await fetch(`${server.url}/api/basemap/pmtiles/nope`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${server.url}/api/basemap/pmtiles/city`)).status).toBe(401);
  });

  test('a PMTiles file missing at start is listed unavailable and answered 404 until it appears, then as its header says', async (t) => {
    const dir = tempDir();
    const file = join(dir, 'basemaps.json');
    writeFileSync(
      file,
      JSON.stringify([{ id: 'osm', name: '矢量底图', type: 'pmtiles', file: 'osm.pmtiles', crs: 'WGS-84' }]),
    );
    const server = await startServer(t, { basemaps: loadBasemaps(file) });
    const { token } = await server.login('deqing');
    const auth = { authorization: `Bearer ${token}` };
    const config = async () =>
      ((await (await fetch(`${server.url}/api/basemap/config`, { headers: auth })).json()) as { sources: unknown[] })
        .sources;
    expect(await config()).toEqual([expect.objectContaining({ id: 'osm', available: false })]);
    const missing = await fetch(`${server.url}/api/basemap/pmtiles/osm`, {
      headers: { ...auth, range: 'bytes=0-126' },
    });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { code: 'NOT_FOUND', message: expect.stringContaining('basemap osm (矢量底图) is unavailable') },
    });

    // Copied in while the server runs: a vector archive, although start-up took it for raster.
    const header = Buffer.alloc(127);
    header.write('PMTiles', 0, 'latin1');
    header[7] = 3;
    header[99] = 1; // MVT
    writeFileSync(join(dir, 'osm.pmtiles'), header);
    await recheck();
    expect(await config()).toEqual([expect.objectContaining({ id: 'osm', available: true, format: 'vector' })]);
    const part = await fetch(`${server.url}/api/basemap/pmtiles/osm`, { headers: { ...auth, range: 'bytes=0-6' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).toString('latin1')).toBe('PMTiles');
  });

  test('PMTiles responses carry an ETag of the file version, honour If-None-Match and change when the file does', async (t) => {
    const dir = tempDir();
    const archive = join(dir, 'city.pmtiles');
    writeFileSync(archive, Buffer.alloc(500, 1));
    utimesSync(archive, 1_700_000_000, 1_700_000_000);
    const file = join(dir, 'basemaps.json');
    writeFileSync(file, JSON.stringify([{ id: 'city', type: 'pmtiles', file: 'city.pmtiles', crs: 'CGCS2000' }]));
    const server = await startServer(t, { basemaps: loadBasemaps(file) });
    const { token } = await server.login('deqing');
    const auth = { authorization: `Bearer ${token}` };
    const url = `${server.url}/api/basemap/pmtiles/city`;
    const first = await fetch(url, { headers: { ...auth, range: 'bytes=0-9' } });
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[^"]+"$/); // strong: the PMTiles client ignores weak ones
    expect(first.headers.get('last-modified')).toBe(new Date(1_700_000_000_000).toUTCString());
    const again = await fetch(url, { headers: { ...auth, range: 'bytes=0-9', 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);

    writeFileSync(archive, Buffer.alloc(600, 2)); // the operator replaces the archive
    await recheck();
    const replaced = await fetch(url, { headers: { ...auth, range: 'bytes=0-9', 'if-none-match': etag! } });
    expect(replaced.status).toBe(206);
    expect(replaced.headers.get('etag')).not.toBe(etag);
    expect(replaced.headers.get('content-range')).toBe('bytes 0-9/600');
  });

  test('a bad basemaps file is refused with its path and entry', () => {
    const dir = tempDir();
    const file = join(dir, 'basemaps.json');
    writeFileSync(file, JSON.stringify([{ id: 'x', type: 'xyz', url: 'http://a/{z}/{x}/{y}', crs: 'EPSG:9999' }]));
    expect(() => loadBasemaps(file)).toThrow(/basemaps\.json\[0\]: crs/);
    writeFileSync(file, JSON.stringify([{ id: 'x', type: 'pmtiles', crs: 'WGS-84' }]));
    expect(() => loadBasemaps(file)).toThrow(/needs file/);
  });
});
