import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { Id } from '@jointmap/shared';
import { requireUser } from '../plugins/auth.ts';
import type { AppContext } from '../services/context.ts';
import { buildReport } from './report-service.ts';

/** `GET /api/operations/:id/report`: the after-action report (anyone who sees the operation). */
export function reportRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Params: { id: string } }>(
    '/api/operations/:id/report',
    { schema: { params: Type.Object({ id: Id }) } },
    async (request) => buildReport(ctx, requireUser(request), request.params.id),
  );
}
