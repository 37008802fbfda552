import { closeSync, openSync, readSync } from 'node:fs';

/** How a customer basemap's tiles are drawn: images (`raster`) or Mapbox Vector Tiles (`vector`). */
export type BasemapFormat = 'raster' | 'vector';

/**
 * The tile type byte of a PMTiles v3 archive, or null when `path` cannot be read or is not a
 * PMTiles v3 file. PMTiles v3 spec (github.com/protomaps/PMTiles, spec/v3/spec.md, "Header"): the
 * 127-byte header starts with the magic `PMTiles` and the version byte 3; byte 99 is the tile type
 * (0 unknown, 1 MVT, 2 PNG, 3 JPEG, 4 WebP, 5 AVIF; later versions add MLT, 6).
 */
export function pmtilesTileType(path: string): number | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const header = Buffer.alloc(127);
    if (readSync(fd, header, 0, 127, 0) < 127) return null;
    if (header.toString('latin1', 0, 7) !== 'PMTiles' || header[7] !== 3) return null;
    return header[99]!;
  } finally {
    closeSync(fd);
  }
}

/** PMTiles tile types by what we draw them as (MLT, type 6, is not supported: MapLibre needs `encoding`). */
const VECTOR_TILE_TYPES = new Set([1]);
const RASTER_TILE_TYPES = new Set([2, 3, 4, 5]);
const UNKNOWN_TILE_TYPE = 0;

interface FormatInput {
  type: 'pmtiles' | 'xyz';
  /** Resolved path of the PMTiles file (`pmtiles`). */
  file?: string;
  format?: unknown;
  crs: string;
}

/**
 * The format of one configured basemap, or a message saying why the entry is refused. A PMTiles
 * file says what it holds in its header, and that wins: an explicit `format` must agree with it. An
 * XYZ URL cannot be probed at start, so it is `raster` unless the entry says `format: "vector"`.
 * A file that is not (yet) a readable PMTiles v3 archive keeps the explicit format, else `raster`;
 * the server reads it again when it changes (basemap-files.ts).
 *
 * GCJ-02 vector tiles are refused: raster tiles are shifted by redrawing whole images, but a vector
 * tile's geometry would have to be re-projected vertex by vertex (the offset is not a translation of
 * the tile grid), which MapLibre offers no hook for; such a source must be converted to WGS-84
 * before it is tiled.
 */
export function basemapFormat(b: FormatInput): BasemapFormat | { error: string } {
  if (b.format !== undefined && b.format !== 'raster' && b.format !== 'vector')
    return { error: 'format must be raster or vector' };
  const stated = b.format as BasemapFormat | undefined;
  let format: BasemapFormat = stated ?? 'raster';
  if (b.type === 'pmtiles' && b.file) {
    const tileType = pmtilesTileType(b.file);
    const found: BasemapFormat | null =
      tileType === null
        ? null
        : VECTOR_TILE_TYPES.has(tileType)
          ? 'vector'
          : RASTER_TILE_TYPES.has(tileType)
            ? 'raster'
            : null;
    if (tileType === UNKNOWN_TILE_TYPE && !stated)
      return { error: 'the PMTiles header does not say the tile type: set format' };
    if (tileType !== null && tileType !== UNKNOWN_TILE_TYPE && !found)
      return { error: `PMTiles tile type ${tileType} is neither MVT nor PNG/JPEG/WebP/AVIF` };
    if (found && stated && found !== stated)
      return { error: `format is ${stated} but the PMTiles header says ${found} tiles` };
    if (found) format = found;
  }
  if (format === 'vector' && b.crs === 'GCJ-02') {
    return {
      error:
        'vector tiles in GCJ-02 cannot be shifted onto WGS-84 in the browser; convert the data to WGS-84 (e.g. gcoord) before tiling',
    };
  }
  return format;
}
