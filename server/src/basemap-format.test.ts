import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pmtilesTileType } from './basemap-format.ts';
import { loadBasemaps } from './config.ts';

/** A PMTiles v3 header (127 bytes: magic, version 3, tile type at byte 99) and nothing else. */
function pmtilesHeader(tileType: number): Buffer {
  const h = Buffer.alloc(127);
  h.write('PMTiles', 0, 'latin1');
  h[7] = 3;
  h[99] = tileType;
  return h;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Write the archives and a basemaps.json of `entries` into a fresh directory; return its path. */
function basemapsFile(entries: unknown[], archives: Record<string, Buffer> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'basemaps-'));
  dirs.push(dir);
  for (const [name, bytes] of Object.entries(archives)) writeFileSync(join(dir, name), bytes);
  const file = join(dir, 'basemaps.json');
  writeFileSync(file, JSON.stringify(entries));
  return file;
}

const MVT = 1;
const PNG = 2;
const MLT = 6;

describe('basemap format', () => {
  it('reads the tile type from a PMTiles v3 header, and nothing from other files', () => {
    const file = basemapsFile([], { 'a.pmtiles': pmtilesHeader(MVT), 'b.bin': Buffer.alloc(200, 7) });
    const dir = join(file, '..');
    expect(pmtilesTileType(join(dir, 'a.pmtiles'))).toBe(MVT);
    expect(pmtilesTileType(join(dir, 'b.bin'))).toBeNull();
    expect(pmtilesTileType(join(dir, 'missing.pmtiles'))).toBeNull();
  });

  it('a PMTiles file is vector or raster as its header says', () => {
    const file = basemapsFile(
      [
        { id: 'osm', name: '矢量底图', type: 'pmtiles', file: 'osm.pmtiles', crs: 'WGS-84' },
        { id: 'img', type: 'pmtiles', file: 'img.pmtiles', crs: 'CGCS2000' },
        { id: 'gis', type: 'pmtiles', file: 'gis.pmtiles', crs: 'WGS-84', format: 'vector' },
      ],
      { 'osm.pmtiles': pmtilesHeader(MVT), 'img.pmtiles': pmtilesHeader(PNG), 'gis.pmtiles': pmtilesHeader(0) },
    );
    expect(loadBasemaps(file).map((b) => [b.id, b.format])).toEqual([
      ['osm', 'vector'],
      ['img', 'raster'],
      ['gis', 'vector'],
    ]);
  });

  it('an XYZ URL is raster unless the entry says vector', () => {
    const file = basemapsFile([
      { id: 'img', type: 'xyz', url: 'http://gis.intranet/{z}/{x}/{y}.png', crs: 'GCJ-02' },
      { id: 'mvt', type: 'xyz', url: 'http://gis.intranet/{z}/{x}/{y}.pbf', crs: 'WGS-84', format: 'vector' },
    ]);
    expect(loadBasemaps(file).map((b) => b.format)).toEqual(['raster', 'vector']);
  });

  it('refuses a stated format the header contradicts, an unknown format and unsupported tile types', () => {
    const archives = {
      'osm.pmtiles': pmtilesHeader(MVT),
      'x.pmtiles': pmtilesHeader(0),
      'm.pmtiles': pmtilesHeader(MLT),
    };
    const one = (entry: Record<string, unknown>) => () =>
      loadBasemaps(basemapsFile([{ id: 'a', type: 'pmtiles', crs: 'WGS-84', ...entry }], archives));
    expect(one({ file: 'osm.pmtiles', format: 'raster' })).toThrow(
      /basemaps\.json\[0\]: format is raster but .* vector/,
    );
    expect(one({ file: 'osm.pmtiles', format: 'mvt' })).toThrow(/\[0\]: format must be raster or vector/);
    expect(one({ file: 'x.pmtiles' })).toThrow(/\[0\]: .*does not say the tile type: set format/);
    expect(one({ file: 'm.pmtiles', format: 'vector' })).toThrow(/\[0\]: PMTiles tile type 6/);
  });

  it('refuses vector tiles in GCJ-02, from a PMTiles header or stated for an XYZ URL', () => {
    const pm = basemapsFile([{ id: 'a', type: 'pmtiles', file: 'a.pmtiles', crs: 'GCJ-02' }], {
      'a.pmtiles': pmtilesHeader(MVT),
    });
    expect(() => loadBasemaps(pm)).toThrow(/\[0\]: vector tiles in GCJ-02 cannot be shifted/);
    const xyz = basemapsFile([
      { id: 'ok', type: 'xyz', url: 'http://a/{z}/{x}/{y}.png', crs: 'GCJ-02' },
      { id: 'b', type: 'xyz', url: 'http://a/{z}/{x}/{y}.pbf', crs: 'GCJ-02', format: 'vector' },
    ]);
    expect(() => loadBasemaps(xyz)).toThrow(/basemaps\.json\[1\]: vector tiles in GCJ-02/);
  });
});
