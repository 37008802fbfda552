import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import type * as NodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BASEMAP_RECHECK_MS, BasemapFiles } from './basemap-files.ts';
import { loadBasemaps } from './config.ts';

// Every `stat` of the files counted (and still done).
const fs = vi.hoisted(() => ({ stats: [] as string[] }));
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof NodeFs>();
  const statSync = ((path: string, ...rest: []) => {
    fs.stats.push(path);
    return actual.statSync(path, ...rest);
  }) as typeof actual.statSync;
  return { ...actual, default: { ...actual, statSync }, statSync };
});

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
  fs.stats.length = 0;
});

/** A clock for `BasemapFiles` that moves only when told. */
function manualClock() {
  let t = 0;
  return { now: () => t, pass: (ms = BASEMAP_RECHECK_MS) => void (t += ms) };
}

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
    const clock = manualClock();
    const files = new BasemapFiles(log, clock);
    const b = basemaps[0]!;
    expect(files.state(b)).toEqual({ available: false, reason: expect.stringContaining('osm.pmtilse does not exist') });
    files.state(b);
    expect(log.lines).toEqual([['warn', expect.stringMatching(/^basemap osm is unavailable: .*osm\.pmtilse/)]]);

    // Copied in after start: a vector archive, although start-up took the missing file for raster.
    writeFileSync(join(dir, 'osm.pmtilse'), pmtilesHeader(MVT));
    clock.pass();
    expect(files.state(b)).toMatchObject({ available: true, format: 'vector', size: 127 });
    expect(log.lines[1]).toEqual(['info', expect.stringContaining('as vector tiles')]);
  });

  it('refuses a GCJ-02 vector archive that appears after start', () => {
    const { dir, basemaps } = configured([{ id: 'gd', type: 'pmtiles', file: 'gd.pmtiles', crs: 'GCJ-02' }]);
    const clock = manualClock();
    const files = new BasemapFiles(recordingLog(), clock);
    expect(files.state(basemaps[0]!).available).toBe(false);
    writeFileSync(join(dir, 'gd.pmtiles'), pmtilesHeader(MVT));
    clock.pass();
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
    const clock = manualClock();
    const files = new BasemapFiles(recordingLog(), clock);
    const first = files.state(basemaps[0]!);
    expect(first).toMatchObject({ available: true, format: 'raster' });
    clock.pass();
    expect(files.state(basemaps[0]!)).toBe(first); // unchanged: not read again
    writeFileSync(path, Buffer.concat([pmtilesHeader(PNG), Buffer.alloc(10)]));
    clock.pass();
    const second = files.state(basemaps[0]!);
    expect(second).toMatchObject({ available: true, size: 137 });
    expect(first.available && second.available && first.etag !== second.etag).toBe(true);
  });

  it('looks at a file once for a burst of tile requests, and notices its replacement after the recheck interval', () => {
    const { dir, basemaps } = configured([{ id: 'img', type: 'pmtiles', file: 'img.pmtiles', crs: 'WGS-84' }]);
    const path = join(dir, 'img.pmtiles');
    writeFileSync(path, pmtilesHeader(PNG));
    utimesSync(path, 1_000_000, 1_000_000);
    const clock = manualClock();
    const files = new BasemapFiles(recordingLog(), clock);
    const first = files.state(basemaps[0]!);
    // A map opening: dozens of tile requests within the interval share that one look.
    for (let i = 0; i < 50; i++) {
      clock.pass(BASEMAP_RECHECK_MS / 100);
      expect(files.state(basemaps[0]!)).toBe(first);
    }
    expect(fs.stats).toEqual([path]);

    // Replaced meanwhile: served as it was until the interval since the last look has passed.
    writeFileSync(path, Buffer.concat([pmtilesHeader(MVT), Buffer.alloc(10)]));
    expect(files.state(basemaps[0]!)).toBe(first);
    clock.pass(BASEMAP_RECHECK_MS / 2);
    expect(files.state(basemaps[0]!)).toMatchObject({ available: true, format: 'vector', size: 137 });
    expect(fs.stats).toEqual([path, path]);
  });

  it('keeps looking at a missing file at most once an interval, and serves it once it appears', () => {
    const { dir, basemaps } = configured([{ id: 'osm', type: 'pmtiles', file: 'osm.pmtiles', crs: 'WGS-84' }]);
    const clock = manualClock();
    const files = new BasemapFiles(recordingLog(), clock);
    for (let i = 0; i < 20; i++) expect(files.state(basemaps[0]!).available).toBe(false);
    expect(fs.stats).toHaveLength(1);
    writeFileSync(join(dir, 'osm.pmtiles'), pmtilesHeader(PNG));
    clock.pass();
    expect(files.state(basemaps[0]!)).toMatchObject({ available: true, format: 'raster' });
    expect(fs.stats).toHaveLength(2);
  });
});
