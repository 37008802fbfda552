import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { AppError } from '@jointmap/shared';
import { BasemapFiles, type PmtilesFileState } from '../basemap-files.ts';
import type { BasemapSourceConfig } from '../config.ts';
import { contextCountiesPath } from '../seed/demo-stations.ts';
import type { AppContext } from '../services/context.ts';

/**
 * Basemap data. The default is offline: WGS-84 county outlines around the operation area. A
 * deployment may add customer basemaps (config `basemaps`): PMTiles files served from here with
 * HTTP range requests, or intranet XYZ/WMTS URLs the browser fetches itself, of raster or vector
 * (MVT) tiles. Each states its CRS.
 *
 * A PMTiles file is looked at when asked for ({@link BasemapFiles}): one missing at start is named
 * in the log, listed as `available: false` and answered 404 until it appears, then drawn as its
 * header says. Its responses carry an ETag of the file's version, which the PMTiles client checks
 * so that it never mixes ranges of an old and a replaced archive.
 */
export function basemapRoutes(app: FastifyInstance, ctx: AppContext): void {
  const files = new BasemapFiles(app.log);
  const fileState = (b: BasemapSourceConfig): PmtilesFileState | null => (b.type === 'pmtiles' ? files.state(b) : null);
  for (const b of ctx.config.basemaps) fileState(b); // logs the files missing at start

  app.get('/api/basemap/context.geojson', async (_request, reply) =>
    reply
      .type('application/geo+json')
      .header('cache-control', 'max-age=3600')
      .send(createReadStream(contextCountiesPath())),
  );

  app.get('/api/basemap/config', async () => ({
    sources: ctx.config.basemaps.map((b) => {
      const state = fileState(b);
      return {
        id: b.id,
        name: b.name,
        type: b.type,
        format: state?.available ? state.format : (b.format ?? 'raster'),
        // False while a PMTiles file is missing or unusable: the client skips it and says so.
        available: state?.available ?? true,
        url: b.type === 'pmtiles' ? `/api/basemap/pmtiles/${b.id}` : b.url,
        crs: b.crs,
        tileSize: b.tileSize ?? 256,
        minzoom: b.minzoom ?? 0,
        maxzoom: b.maxzoom ?? 18,
        attribution: b.attribution ?? '',
      };
    }),
  }));

  app.get<{ Params: { id: string } }>('/api/basemap/pmtiles/:id', async (request, reply) => {
    const b = ctx.config.basemaps.find((x) => x.id === request.params.id && x.type === 'pmtiles');
    if (!b?.file) throw new AppError('NOT_FOUND', `no basemap ${request.params.id}`);
    const state = files.state(b);
    // The path stays in the server log; the client learns which basemap and that it is not there.
    if (!state.available)
      throw new AppError(
        'NOT_FOUND',
        `basemap ${b.id} (${b.name}) is unavailable: its PMTiles file is missing or unusable`,
      );
    const { size, etag } = state;
    reply
      .header('accept-ranges', 'bytes')
      .header('cache-control', 'private, max-age=3600')
      .header('etag', etag)
      .header('last-modified', state.lastModified.toUTCString());
    if (matches(request.headers['if-none-match'], etag)) return reply.status(304).send();
    reply.type('application/octet-stream');
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
    if (!range) return reply.header('content-length', size).send(createReadStream(b.file));
    const start = Number(range[1]);
    const end = Math.min(range[2] ? Number(range[2]) : size - 1, size - 1);
    if (start > end) {
      // 416 is what range clients act on; the body carries the coded error every refusal has.
      const refusal = new AppError('INVALID_PAYLOAD', `range ${request.headers.range} is not within ${size} bytes`);
      return reply
        .status(416)
        .header('content-range', `bytes */${size}`)
        .type('application/json')
        .send(refusal.toBody());
    }
    return reply
      .status(206)
      .header('content-range', `bytes ${start}-${end}/${size}`)
      .header('content-length', end - start + 1)
      .send(createReadStream(b.file, { start, end }));
  });
}

/** Whether an `If-None-Match` header names `etag` (or is `*`): the client's copy is current. */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header
    .split(',')
    .map((t) => t.trim())
    .some((t) => t === '*' || t === etag || t === `W/${etag}`);
}
