import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Id } from '@jointmap/shared';
import { RateLimitedError, type LiveService } from '../live/live-service.ts';
import { liveStationsOf } from '../live/track.ts';
import { requireUser } from '../plugins/auth.ts';
import type { AppContext } from '../services/context.ts';
import { getVisibleOperation } from '../services/operations.ts';

/** Largest ingest body: a JSON batch of 100 fixes is well under this. */
const INGEST_BODY_LIMIT = 128 * 1024;

/**
 * `GET|POST /api/positions/osmand`: the OsmAnd protocol as Traccar Client and OsmAnd send it
 * (docs/ingest.md). Public: trackers do not log in; the device id must be registered to a unit.
 * `GET /api/operations/:id/positions`: latest positions of an operation's units, for REST clients.
 */
export function positionRoutes(app: FastifyInstance, ctx: AppContext, live: LiveService): void {
  void app.register(async (scope) => {
    // Bodies reach the decoder as text whatever the content type (form, JSON, none), so every
    // format is decoded, and refused, in one place with one set of error codes.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: INGEST_BODY_LIMIT }, (_req, body, done) =>
      done(null, body),
    );
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        const result = await live.ingest({
          query: request.query as Record<string, string | string[] | undefined>,
          body: typeof request.body === 'string' ? request.body : undefined,
          contentType: request.headers['content-type'],
          // The proxy-aware address (TRUST_PROXY): the unknown-device limit is per client address.
          address: request.ip,
        });
        return {
          ok: true,
          received: result.received,
          stored: result.stored,
          ...(result.dropped.length ? { dropped: result.dropped } : {}),
        };
      } catch (err) {
        if (err instanceof RateLimitedError) void reply.header('retry-after', String(err.retryAfterSeconds));
        throw err;
      }
    };
    scope.route({
      method: ['GET', 'POST'],
      url: '/api/positions/osmand',
      config: { public: true },
      bodyLimit: INGEST_BODY_LIMIT,
      // Trackers send about once a second each: per-request info lines would bury everything else.
      // Refusals still reach the log through the error handler and the refused-fixes metric.
      logLevel: 'warn',
      handler,
    });
  });

  app.get<{ Params: { id: string } }>(
    '/api/operations/:id/positions',
    { schema: { params: Type.Object({ id: Id }) } },
    async (request) => {
      const user = requireUser(request);
      const view = await getVisibleOperation(ctx, user, request.params.id);
      // As the live channel: a closed operation shares another station's positions with commanders only.
      const stations = await liveStationsOf(user, view, () => ctx.storage.listOperations());
      return {
        operationId: view.id,
        serverTime: Date.now(),
        positions: live.snapshot(stations),
        thresholds: live.options.thresholds,
      };
    },
  );
}
