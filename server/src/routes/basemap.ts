import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { contextCountiesPath } from '../seed/demo-stations.ts';
import type { AppContext } from '../services/context.ts';

/** Local basemap layers (no internet needed): WGS-84 county outlines around the operation area. */
export function basemapRoutes(app: FastifyInstance, _ctx: AppContext): void {
  app.get('/api/basemap/context.geojson', async (_request, reply) =>
    reply.type('application/geo+json').header('cache-control', 'max-age=3600').send(createReadStream(contextCountiesPath())),
  );
}
