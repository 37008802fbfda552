import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { zxyToTileId } from 'pmtiles';

/**
 * A minimal PMTiles v3 writer (the `pmtiles` package only reads). Spec:
 * github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md. Layout: the 127-byte header, the root
 * directory, the JSON metadata, no leaf directories, then the tile data in tile id order with
 * identical tiles stored once. Directory and metadata are gzip-compressed ("internal compression"),
 * and so are the tiles when `tileCompression` is gzip. Enough for small fixtures: the root directory
 * must fit in the first 16 KiB, as the spec requires of a file without leaf directories.
 */

/** Spec values: Compression (1 none, 2 gzip) and TileType (1 MVT, 2 PNG, …). */
export const COMPRESSION = { none: 1, gzip: 2 } as const;
export const TILE_TYPE = { mvt: 1, png: 2, jpeg: 3, webp: 4, avif: 5 } as const;

export interface PmtilesTile {
  z: number;
  x: number;
  y: number;
  /** The tile as stored (already compressed if `tileCompression` says so). */
  data: Uint8Array;
}

export interface PmtilesOptions {
  tileType: number;
  tileCompression: number;
  /** [minLon, minLat, maxLon, maxLat] in degrees. */
  bounds: [number, number, number, number];
  center: [number, number, number];
  /** The JSON metadata (for MVT, `vector_layers` per the spec). */
  metadata: Record<string, unknown>;
}

const HEADER_BYTES = 127;
const ROOT_LIMIT = 16_384;

/** Unsigned LEB128 varint, as the spec's directory encoding uses. */
function varint(out: number[], n: number): void {
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

interface Entry {
  tileId: number;
  offset: number;
  length: number;
  runLength: number;
}

/**
 * The spec's directory: entry count, then the tile id deltas, the run lengths, the lengths, and
 * the offsets (0 for "right after the previous entry", else offset + 1), each column as varints.
 */
export function serializeDirectory(entries: Entry[]): Uint8Array {
  const out: number[] = [];
  varint(out, entries.length);
  let last = 0;
  for (const e of entries) {
    varint(out, e.tileId - last);
    last = e.tileId;
  }
  for (const e of entries) varint(out, e.runLength);
  for (const e of entries) varint(out, e.length);
  entries.forEach((e, i) => {
    const prev = entries[i - 1];
    varint(out, i > 0 && prev && e.offset === prev.offset + prev.length ? 0 : e.offset + 1);
  });
  return Uint8Array.from(out);
}

/** Build a PMTiles v3 archive from `tiles`. */
export function writePmtiles(tiles: PmtilesTile[], options: PmtilesOptions): Buffer {
  const sorted = tiles.map((t) => ({ ...t, tileId: zxyToTileId(t.z, t.x, t.y) })).sort((a, b) => a.tileId - b.tileId);
  const entries: Entry[] = [];
  const chunks: Uint8Array[] = [];
  const byContent = new Map<string, { offset: number; length: number }>();
  let size = 0;
  for (const t of sorted) {
    const hash = createHash('sha256').update(t.data).digest('hex');
    let stored = byContent.get(hash);
    if (!stored) {
      stored = { offset: size, length: t.data.byteLength };
      byContent.set(hash, stored);
      chunks.push(t.data);
      size += t.data.byteLength;
    }
    entries.push({ tileId: t.tileId, offset: stored.offset, length: stored.length, runLength: 1 });
  }
  const root = gzipSync(serializeDirectory(entries));
  if (HEADER_BYTES + root.byteLength > ROOT_LIMIT)
    throw new Error('root directory over 16 KiB: needs leaf directories');
  const metadata = gzipSync(Buffer.from(JSON.stringify(options.metadata), 'utf8'));
  const zooms = sorted.map((t) => t.z);

  const h = Buffer.alloc(HEADER_BYTES);
  h.write('PMTiles', 0, 'latin1');
  h.writeUInt8(3, 7);
  const rootOffset = HEADER_BYTES;
  const metadataOffset = rootOffset + root.byteLength;
  const leafOffset = metadataOffset + metadata.byteLength;
  const dataOffset = leafOffset;
  const u64 = (at: number, n: number) => h.writeBigUInt64LE(BigInt(n), at);
  u64(8, rootOffset);
  u64(16, root.byteLength);
  u64(24, metadataOffset);
  u64(32, metadata.byteLength);
  u64(40, leafOffset);
  u64(48, 0);
  u64(56, dataOffset);
  u64(64, size);
  u64(72, entries.length); // addressed tiles
  u64(80, entries.length); // tile entries
  u64(88, byContent.size); // tile contents
  h.writeUInt8(1, 96); // clustered: data in tile id order (repeats point backwards)
  h.writeUInt8(COMPRESSION.gzip, 97);
  h.writeUInt8(options.tileCompression, 98);
  h.writeUInt8(options.tileType, 99);
  h.writeUInt8(Math.min(...zooms), 100);
  h.writeUInt8(Math.max(...zooms), 101);
  const e7 = (deg: number) => Math.round(deg * 1e7);
  const [minLon, minLat, maxLon, maxLat] = options.bounds;
  h.writeInt32LE(e7(minLon), 102);
  h.writeInt32LE(e7(minLat), 106);
  h.writeInt32LE(e7(maxLon), 110);
  h.writeInt32LE(e7(maxLat), 114);
  const [lon, lat, zoom] = options.center;
  h.writeUInt8(zoom, 118);
  h.writeInt32LE(e7(lon), 119);
  h.writeInt32LE(e7(lat), 123);
  return Buffer.concat([h, root, metadata, ...chunks]);
}
