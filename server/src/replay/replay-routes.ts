import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { Id } from '@jointmap/shared';
import { requireUser } from '../plugins/auth.ts';
import type { AppContext } from '../services/context.ts';
import { ReplayService } from './replay-service.ts';

const Params = Type.Object({ id: Id });
/** A moment, epoch ms (query strings are not coerced: digits only). */
const At = Type.String({ pattern: '^[0-9]{1,15}$' });

/**
 * Replay of an operation (anyone who sees the operation, as for the report):
 * `GET /api/operations/:id/replay/state?at=<ms>[&format=yjs]` its documents at a moment,
 * `GET /api/operations/:id/replay/events` the slider's range and the events to jump to,
 * `GET /api/operations/:id/replay/positions?at=<ms>` each unit's newest fix at or before it,
 * `GET /api/operations/:id/replay/coverage?at=<ms>` search-sector coverage at the moment,
 * `GET /api/operations/:id/replay/alerts?at=<ms>` the alerts raised by then, in their state then.
 */
export function replayRoutes(app: FastifyInstance, ctx: AppContext): ReplayService {
  const replay = new ReplayService(ctx);
  app.get<{ Params: { id: string }; Querystring: { at: string; format?: 'json' | 'yjs' } }>(
    '/api/operations/:id/replay/state',
    {
      schema: {
        params: Params,
        querystring: Type.Object(
          { at: At, format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('yjs')])) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) =>
      replay.state(requireUser(request), request.params.id, Number(request.query.at), request.query.format ?? 'json'),
  );
  app.get<{ Params: { id: string } }>(
    '/api/operations/:id/replay/events',
    { schema: { params: Params } },
    async (request) => replay.timeline(requireUser(request), request.params.id),
  );
  app.get<{ Params: { id: string }; Querystring: { at: string } }>(
    '/api/operations/:id/replay/positions',
    {
      schema: {
        params: Params,
        querystring: Type.Object({ at: At }, { additionalProperties: false }),
      },
    },
    async (request) => replay.positions(requireUser(request), request.params.id, Number(request.query.at)),
  );
  app.get<{ Params: { id: string }; Querystring: { at: string } }>(
    '/api/operations/:id/replay/coverage',
    {
      schema: {
        params: Params,
        querystring: Type.Object({ at: At }, { additionalProperties: false }),
      },
    },
    async (request) => replay.coverage(requireUser(request), request.params.id, Number(request.query.at)),
  );
  app.get<{ Params: { id: string }; Querystring: { at: string } }>(
    '/api/operations/:id/replay/alerts',
    {
      schema: {
        params: Params,
        querystring: Type.Object({ at: At }, { additionalProperties: false }),
      },
    },
    async (request) => replay.alerts(requireUser(request), request.params.id, Number(request.query.at)),
  );
  return replay;
}
