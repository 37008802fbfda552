import type { Map as MapLibreMap, RasterSourceSpecification } from 'maplibre-gl';
import { gcjTileOrigin } from './gcj02-shift.ts';
import { maplibregl } from './maplibre.ts';
import { beforeSlot } from './style.ts';
import { vectorBasemapLayers } from './vector-style.ts';

/** `GET /api/basemap/config` entry. */
export interface BasemapSource {
  id: string;
  name: string;
  type: 'pmtiles' | 'xyz';
  /** `vector`: MVT tiles drawn with the bundled style (vector-style.ts); never GCJ-02 (the server refuses it). */
  format: 'raster' | 'vector';
  /** False while the server lacks the basemap's PMTiles file (missing or unusable): not drawn. */
  available: boolean;
  url: string;
  crs: 'WGS-84' | 'CGCS2000' | 'GCJ-02';
  tileSize: number;
  minzoom: number;
  maxzoom: number;
  attribution: string;
}

type FetchTile = (z: number, x: number, y: number, signal: AbortSignal) => Promise<Blob | null>;
const gcjSources = new Map<string, { fetchTile: FetchTile; tileSize: number }>();
let gcjRegistered = false;
let pmtilesProtocol: Promise<{
  add(p: unknown): void;
  tile: unknown;
  PMTiles: new (s: unknown) => PMTilesLike;
  FetchSource: new (url: string, h: Headers) => unknown;
}> | null = null;
interface PMTilesLike {
  getZxy(z: number, x: number, y: number, signal?: AbortSignal): Promise<{ data: ArrayBuffer } | undefined>;
}

/**
 * A WGS-84 tile cut out of GCJ-02 tiles: the GCJ-02 offset (up to ~600 m in China, varying slowly)
 * is taken at the tile centre and the covering GCJ-02 tiles are drawn shifted by it. Our data stays
 * WGS-84; only the customer's GCJ-02 imagery moves to meet it.
 */
async function gcjTile(
  fetchTile: FetchTile,
  size: number,
  z: number,
  x: number,
  y: number,
  signal: AbortSignal,
): Promise<ArrayBuffer> {
  const { left, top } = gcjTileOrigin(z, x, y, size);
  const canvas = new OffscreenCanvas(size, size);
  const ctx = canvas.getContext('2d')!;
  const jobs: Array<Promise<void>> = [];
  for (let tx = Math.floor(left / size); tx <= Math.floor((left + size - 1) / size); tx++) {
    for (let ty = Math.floor(top / size); ty <= Math.floor((top + size - 1) / size); ty++) {
      jobs.push(
        fetchTile(z, tx, ty, signal).then(async (blob) => {
          if (!blob) return;
          const img = await createImageBitmap(blob);
          ctx.drawImage(img, tx * size - left, ty * size - top, size, size);
          img.close();
        }),
      );
    }
  }
  await Promise.all(jobs);
  return (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer();
}

function registerGcj(): void {
  if (gcjRegistered) return;
  gcjRegistered = true;
  maplibregl.addProtocol('gcj02', async (params, abort) => {
    const m = /^gcj02:\/\/([^/]+)\/(\d+)\/(\d+)\/(\d+)$/.exec(params.url);
    const src = m ? gcjSources.get(m[1]!) : undefined;
    if (!m || !src) throw new Error(`unknown GCJ-02 tile ${params.url}`);
    return { data: await gcjTile(src.fetchTile, src.tileSize, Number(m[2]), Number(m[3]), Number(m[4]), abort.signal) };
  });
}

async function loadPmtiles() {
  // A failed load (offline, the chunk not cached) is forgotten, so the next attempt loads it again.
  pmtilesProtocol ??= import('pmtiles')
    .catch((err: unknown) => {
      pmtilesProtocol = null;
      throw err;
    })
    .then((mod) => {
      const protocol = new mod.Protocol();
      maplibregl.addProtocol('pmtiles', protocol.tile);
      return {
        add: (p: unknown) => protocol.add(p as never),
        tile: protocol.tile,
        PMTiles: mod.PMTiles as never,
        FetchSource: mod.FetchSource as never,
      };
    });
  return pmtilesProtocol;
}

/**
 * Add the configured customer basemaps (raster, or vector with the bundled style) under the
 * operation layers. Returns the names added. PMTiles files come from our own server with the
 * headers of `auth` (the bearer token; the caller keeps it current as the token is renewed); XYZ
 * from the customer's intranet. Every layer of basemap `b` uses source `basemap-<b.id>`.
 */
export async function addCustomBasemaps(map: MapLibreMap, sources: BasemapSource[], auth: Headers): Promise<string[]> {
  const added: string[] = [];
  for (const b of sources) {
    const id = `basemap-${b.id}`;
    if (map.getSource(id)) continue;
    let spec: RasterSourceSpecification;
    const base = {
      type: 'raster' as const,
      tileSize: b.tileSize,
      minzoom: b.minzoom,
      maxzoom: b.maxzoom,
      attribution: b.attribution,
    };
    const absolute = new URL(b.url, location.href).href;
    if (b.format === 'vector') {
      await addVectorBasemap(map, b, id, absolute, auth);
      added.push(b.name);
      continue;
    }
    if (b.type === 'pmtiles') {
      const pm = await loadPmtiles();
      const archive = new pm.PMTiles(new pm.FetchSource(absolute, auth));
      pm.add(archive);
      if (b.crs === 'GCJ-02') {
        registerGcj();
        gcjSources.set(b.id, {
          tileSize: b.tileSize,
          fetchTile: async (z, x, y, signal) => {
            const t = await archive.getZxy(z, x, y, signal);
            return t ? new Blob([t.data]) : null;
          },
        });
        spec = { ...base, tiles: [`gcj02://${b.id}/{z}/{x}/{y}`] };
      } else spec = { ...base, url: `pmtiles://${absolute}` };
    } else if (b.crs === 'GCJ-02') {
      registerGcj();
      gcjSources.set(b.id, {
        tileSize: b.tileSize,
        fetchTile: async (z, x, y, signal) => {
          const res = await fetch(b.url.replace('{z}', String(z)).replace('{x}', String(x)).replace('{y}', String(y)), {
            signal,
          });
          return res.ok ? res.blob() : null;
        },
      });
      spec = { ...base, tiles: [`gcj02://${b.id}/{z}/{x}/{y}`] };
    } else spec = { ...base, tiles: [b.url] };
    map.addSource(id, spec);
    map.addLayer({ id, type: 'raster', source: id }, beforeSlot('slot-basemap'));
    added.push(b.name);
  }
  return added;
}

/** A vector basemap: MVT tiles (PMTiles from our server, or an intranet XYZ URL) with the bundled Chinese style. */
async function addVectorBasemap(map: MapLibreMap, b: BasemapSource, id: string, url: string, auth: Headers) {
  const base = { type: 'vector' as const, minzoom: b.minzoom, maxzoom: b.maxzoom, attribution: b.attribution };
  if (b.type === 'pmtiles') {
    const pm = await loadPmtiles();
    pm.add(new pm.PMTiles(new pm.FetchSource(url, auth)));
    // Zoom range and bounds come from the archive's header (the protocol's TileJSON).
    map.addSource(id, { type: 'vector', url: `pmtiles://${url}`, attribution: b.attribution });
  } else map.addSource(id, { ...base, tiles: [b.url] });
  for (const layer of vectorBasemapLayers(id, id)) map.addLayer(layer, beforeSlot('slot-basemap'));
}
