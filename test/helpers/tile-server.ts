import { createServer, type Server } from 'node:http';
import { deflateSync } from 'node:zlib';
import type { Teardown } from './server.ts';

type Rgba = [number, number, number, number];

/** A solid-colour PNG tile (RGBA), built with zlib only. */
export function solidPng(size: number, rgba: Rgba): Buffer {
  return rgbaPng(size, () => rgba);
}

/** A PNG tile (RGBA) whose pixel at column `x`, row `y` is `pixel(x, y)`, built with zlib only. */
export function rgbaPng(size: number, pixel: (x: number, y: number) => Rgba): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const row = (y: number) =>
    Buffer.concat([Buffer.from([0]), ...Array.from({ length: size }, (_, x) => Buffer.from(pixel(x, y)))]);
  const raw = Buffer.concat(Array.from({ length: size }, (_, y) => row(y)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export interface TileServer {
  url: string;
  /** Requested paths, e.g. `/wgs/10/857/420.png`. */
  requests: string[];
}

/**
 * An intranet-style XYZ tile server on 127.0.0.1 that answers every tile with a solid colour, or
 * with what `tileFor` draws for the requested path (e.g. `/mark/18/219574/107214.png`).
 */
export async function startTileServer(t: Teardown, tileFor?: (path: string) => Buffer): Promise<TileServer> {
  const solid = solidPng(256, [240, 200, 120, 255]);
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'image/png', 'access-control-allow-origin': '*' });
    res.end(tileFor ? tileFor(req.url ?? '') : solid);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return { url: `http://127.0.0.1:${addr.port}`, requests };
}
