import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BasemapFiles } from './basemap-files.ts';
import { loadBasemaps } from './config.ts';

/** A PMTiles v3 header (127 bytes: magic, version 3, tile type at byte 99) and nothing else. */
function pmtilesHeader(tileType: number): Buffer {
  const h = Buffer.alloc(127);
  h.write('PMTiles', 0, 'latin1');
  h[7] = 3;
  h[99] = tileType;
  return h;
}
const MVT = 1;
const PNG = 2;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A basemaps.json of `entries` in a fresh directory (no archives yet), loaded as at start. */
function configured(entries: unknown[]) {
  const dir = mkdtempSync(join(tmpdir(), 'basemap-files-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'basemaps.json'), JSON.stringify(entries));
  return { dir, basemaps: loadBasemaps(join(dir, 'basemaps.json')) };
}

function recordingLog() {
  const lines: Array<[string, string]> = [];
  return {
    lines,
    info: (m: string) => void lines.push(['info', m]),
    warn: (m: string) => void lines.push(['warn', m]),
  };
}

describe('basemap files', () => {
  it('names a missing file in a warning once, and serves it as its header says once it appears', () => {
    const { dir, basemaps } = configured([{ id: 'osm', type: 'pmtiles', file: 'osm.pmtilse', crs: 'WGS-84' }]);
    const log = recordingLog();
    const files = new BasemapFiles(log);
    const b = basemaps[0]!;
    expect(files.state(b)).toEqual({ available: false, reason: expect.stringContaining('osm.pmtilse does not exist') });
    files.state(b);
    expect(log.lines).toEqual([['warn', expect.stringMatching(/^basemap osm is unavailable: .*osm\.pmtilse/)]]);

    // Copied in after start: a vector archive, although start-up took the missing file for raster.
    writeFileSync(join(dir, 'osm.pmtilse'), pmtilesHeader(MVT));
    expect(files.state(b)).toMatchObject({ available: true, format: 'vector', size: 127 });
    expect(log.lines[1]).toEqual(['info', expect.stringContaining('as vector tiles')]);
  });

  it('refuses a GCJ-02 vector archive that appears after start', () => {
    const { dir, basemaps } = configured([{ id: 'gd', type: 'pmtiles', file: 'gd.pmtiles', crs: 'GCJ-02' }]);
    const files = new BasemapFiles(recordingLog());
    expect(files.state(basemaps[0]!).available).toBe(false);
    writeFileSync(join(dir, 'gd.pmtiles'), pmtilesHeader(MVT));
    expect(files.state(basemaps[0]!)).toEqual({
      available: false,
      reason: expect.stringContaining('vector tiles in GCJ-02 cannot be shifted'),
    });
  });

  it('reads a replaced file again and gives it a new ETag', () => {
    const { dir, basemaps } = configured([{ id: 'img', type: 'pmtiles', file: 'img.pmtiles', crs: 'WGS-84' }]);
    const path = join(dir, 'img.pmtiles');
    writeFileSync(path, pmtilesHeader(PNG));
    utimesSync(path, 1_000_000, 1_000_000);
    const files = new BasemapFiles(recordingLog());
    const first = files.state(basemaps[0]!);
    expect(first).toMatchObject({ available: true, format: 'raster' });
    expect(files.state(basemaps[0]!)).toBe(first); // unchanged: not read again
    writeFileSync(path, Buffer.concat([pmtilesHeader(PNG), Buffer.alloc(10)]));
    const second = files.state(basemaps[0]!);
    expect(second).toMatchObject({ available: true, size: 137 });
    expect(first.available && second.available && first.etag !== second.etag).toBe(true);
  });
});
