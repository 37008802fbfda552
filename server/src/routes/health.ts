import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AppError } from '@jointmap/shared';
import { authenticateSession } from '../auth/session.ts';
import { bearer } from '../plugins/auth.ts';
import type { AppContext } from '../services/context.ts';
import { answerWithin } from '../answer-within.ts';

/** A dependency probe: resolves when ready, throws (with a message saying why) when not. */
export type ReadinessProbe = (timeoutMs: number) => Promise<void>;

/** A dependency that does not answer within this long is not ready (a cut link hangs, never fails). */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * `GET /api/health`: readiness per dependency — `storage` always, `redis` when REDIS_URL is set
 * (`probes`). 200 when every one is ready; otherwise 503 with `STORAGE_UNAVAILABLE` naming what is
 * not, so a balancer takes the instance out until it recovers (it recovers by itself). Why it is not
 * ready (and the rooms loaded) only with METRICS_TOKEN or a commander's token; always in the log.
 */
export function healthRoutes(app: FastifyInstance, ctx: AppContext, probes: Record<string, ReadinessProbe> = {}): void {
  const all: Record<string, ReadinessProbe> = {
    storage: (timeoutMs) => answerWithin(ctx.storage.ping(), timeoutMs, 'storage'),
    ...probes,
  };
  app.get('/api/health', { config: { public: true } }, async (request, reply) => {
    const entries = await Promise.all(
      Object.entries(all).map(async ([name, probe]) => {
        try {
          await probe(PROBE_TIMEOUT_MS);
          return [name, { ready: true }] as const;
        } catch (err) {
          return [name, { ready: false, message: (err as Error).message }] as const;
        }
      }),
    );
    const down = entries.filter(([, r]) => !r.ready);
    // Why a dependency is not ready names hosts and ports: it goes to the log, and to a scraper
    // (METRICS_TOKEN) or a commander; anyone else (a balancer) learns which one, not why.
    const detailed = bearer(request)
      ? await authorizeMetrics(ctx, bearer(request)).then(
          () => true,
          () => false,
        )
      : false;
    const dependencies = Object.fromEntries(
      entries.map(([name, r]) => [name, detailed || r.ready ? r : { ready: false }]),
    );
    const body = {
      status: down.length ? 'unavailable' : 'ok',
      storage: ctx.storage.kind,
      ...(detailed ? { rooms: ctx.rooms.size } : {}),
      dependencies,
    };
    if (!down.length) return body;
    const names = down.map(([name]) => name).join(', ');
    request.log.warn({ dependencies: Object.fromEntries(down) }, `not ready: ${names}`);
    const detail = detailed ? down.map(([name, r]) => ('message' in r ? `${name}: ${r.message}` : name)) : [names];
    return reply.status(503).send({
      ...body,
      error: { code: 'STORAGE_UNAVAILABLE', message: `not ready: ${detail.join('; ')}` },
    });
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

/** Equal secrets, compared in a time that tells nothing of either (not even its length). */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}
