import { createReadStream, statSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { AppError } from '@jointmap/shared';
import { contextCountiesPath } from '../seed/demo-stations.ts';
import type { AppContext } from '../services/context.ts';

/**
 * Basemap data. The default is offline: WGS-84 county outlines around the operation area. A
 * deployment may add customer basemaps (config `basemaps`): PMTiles files served from here with
 * HTTP range requests, or intranet XYZ/WMTS URLs the browser fetches itself, of raster or vector
 * (MVT) tiles. Each states its CRS.
 */
export function basemapRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/basemap/context.geojson', async (_request, reply) =>
    reply
      .type('application/geo+json')
      .header('cache-control', 'max-age=3600')
      .send(createReadStream(contextCountiesPath())),
  );

  app.get('/api/basemap/config', async () => ({
    sources: ctx.config.basemaps.map((b) => ({
      id: b.id,
      name: b.name,
      type: b.type,
      format: b.format ?? 'raster',
      url: b.type === 'pmtiles' ? `/api/basemap/pmtiles/${b.id}` : b.url,
      crs: b.crs,
      tileSize: b.tileSize ?? 256,
      minzoom: b.minzoom ?? 0,
      maxzoom: b.maxzoom ?? 18,
      attribution: b.attribution ?? '',
    })),
  }));

  app.get<{ Params: { id: string } }>('/api/basemap/pmtiles/:id', async (request, reply) => {
    const b = ctx.config.basemaps.find((x) => x.id === request.params.id && x.type === 'pmtiles');
    if (!b?.file) throw new AppError('NOT_FOUND', `no basemap ${request.params.id}`);
    const size = statSync(b.file).size;
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
    reply
      .header('accept-ranges', 'bytes')
      .header('cache-control', 'private, max-age=3600')
      .type('application/octet-stream');
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
