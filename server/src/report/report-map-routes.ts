import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { Id } from '@jointmap/shared';
import { requireUser } from '../plugins/auth.ts';
import type { AppContext } from '../services/context.ts';
import { buildReportMap } from './report-map.ts';

/** `GET /api/operations/:id/report/map`: what the report's map draws (anyone who sees the operation). */
export function reportMapRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Params: { id: string } }>(
    '/api/operations/:id/report/map',
    { schema: { params: Type.Object({ id: Id }) } },
    async (request) => buildReportMap(ctx, requireUser(request), request.params.id),
  );
}
