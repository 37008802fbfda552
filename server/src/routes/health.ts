import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AppError } from '@jointmap/shared';
import { authenticateSession } from '../auth/session.ts';
import { bearer } from '../plugins/auth.ts';
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

  // Metrics name stations, rooms and load: a scraper with METRICS_TOKEN or a commander may read them.
  app.get('/api/metrics', { config: { public: true } }, async (request, reply) => {
    await authorizeMetrics(ctx, bearer(request));
    ctx.metrics.roomsLoaded.set(ctx.rooms.size);
    return reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
}

/**
 * `Authorization: Bearer <METRICS_TOKEN>` (a Prometheus scraper), or a commander's login token.
 * Throws UNAUTHENTICATED without a usable token and FORBIDDEN for other roles.
 */
async function authorizeMetrics(ctx: AppContext, token: string | undefined): Promise<void> {
  if (!token) throw new AppError('UNAUTHENTICATED', 'metrics need METRICS_TOKEN or a commander token');
  const expected = ctx.config.metricsToken;
  if (expected && sameSecret(token, expected)) return;
  const { user } = await authenticateSession(ctx, token);
  if (user.role !== 'commander') throw new AppError('FORBIDDEN', 'only commanders (or METRICS_TOKEN) read metrics');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
