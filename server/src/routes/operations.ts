import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { Id, OperationKind, StoredName } from '@jointmap/shared';
import { requireUser } from '../plugins/auth.ts';
import type { AppContext } from '../services/context.ts';
import { TaskTimelines } from '../tasks/timeline-service.ts';
import {
  createOperation,
  getOperationView,
  listOperationViews,
  type CreateOperationInput,
} from '../services/operations.ts';

const CreateBody = Type.Object(
  {
    id: Type.Optional(Id),
    name: StoredName(120),
    kind: Type.Union(Object.keys(OperationKind).map((k) => Type.Literal(k))),
    stations: Type.Array(Id, { minItems: 1, maxItems: 50, uniqueItems: true }),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Id });
const TaskParams = Type.Object({ id: Id, taskId: Id });

export function operationRoutes(app: FastifyInstance, ctx: AppContext): void {
  const timelines = new TaskTimelines(ctx);
  app.get('/api/operations', async (request) => ({ operations: await listOperationViews(ctx, requireUser(request)) }));

  app.post<{ Body: CreateOperationInput }>(
    '/api/operations',
    { schema: { body: CreateBody } },
    async (request, reply) => {
      const op = await createOperation(ctx, requireUser(request), request.body);
      return reply.status(201).send(await getOperationView(ctx, requireUser(request), op.id));
    },
  );

  app.get<{ Params: { id: string } }>('/api/operations/:id', { schema: { params: IdParams } }, async (request) =>
    getOperationView(ctx, requireUser(request), request.params.id),
  );

  /** Station jurisdictions of the operation as a WGS-84 FeatureCollection (offline basemap). */
  app.get<{ Params: { id: string } }>(
    '/api/operations/:id/jurisdictions.geojson',
    { schema: { params: IdParams } },
    async (request) => {
      const view = await getOperationView(ctx, requireUser(request), request.params.id);
      const stations = await ctx.storage.listStations();
      return {
        type: 'FeatureCollection',
        crs: 'WGS-84',
        features: stations
          .filter((s) => view.stations.includes(s.id) && s.jurisdiction)
          .map((s) => ({
            type: 'Feature',
            properties: { stationId: s.id, name: s.name, shortName: s.shortName, color: s.color },
            geometry: s.jurisdiction,
          })),
      };
    },
  );

  /** What happened to a task, oldest first, replayed from the update log (NOT_FOUND: never held). */
  app.get<{ Params: { id: string; taskId: string } }>(
    '/api/operations/:id/tasks/:taskId/timeline',
    { schema: { params: TaskParams } },
    async (request) => timelines.load(requireUser(request), request.params.id, request.params.taskId),
  );
}
