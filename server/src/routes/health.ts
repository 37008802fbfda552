import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../services/context.ts';

export function healthRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/health', { config: { public: true } }, async (_request, reply) => {
    try {
      await ctx.storage.ping();
      return { status: 'ok', storage: ctx.storage.kind, rooms: ctx.rooms.size };
    } catch (err) {
      return reply.status(503).send({ error: { code: 'STORAGE_UNAVAILABLE', message: (err as Error).message } });
    }
  });

  app.get('/api/metrics', { config: { public: true } }, async (_request, reply) => {
    ctx.metrics.roomsLoaded.set(ctx.rooms.size);
    return reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
}
