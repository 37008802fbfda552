import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { Id } from '@jointmap/shared';
import { requireCommander, requireUser } from '../plugins/auth.ts';
import type { AppContext } from '../services/context.ts';
import { getVisibleOperation } from '../services/operations.ts';
import type { RetentionService } from './retention-service.ts';

const IdParams = Type.Object({ id: Id });
const HoldBody = Type.Object({ kept: Type.Boolean() }, { additionalProperties: false });

/**
 * Retention and the evidence hold, commanders only (it is not map content, so it is not in the
 * operation's documents):
 * `GET /api/retention` (policy, current and last run, store sizes, free disk),
 * `POST /api/retention/run` (run the policy now),
 * `GET /api/operations/:id/retention` (the same plus the operation's hold),
 * `PUT /api/operations/:id/hold {kept}` (set or lift the hold).
 */
export function retentionRoutes(app: FastifyInstance, ctx: AppContext, retention: RetentionService): void {
  app.get('/api/retention', async (request) => {
    requireCommander(requireUser(request), 'see storage and retention');
    return retention.status();
  });

  app.post('/api/retention/run', async (request) => {
    requireCommander(requireUser(request), 'run the retention policy');
    const run = await retention.runNow();
    return { run, status: retention.status() };
  });

  app.get<{ Params: { id: string } }>(
    '/api/operations/:id/retention',
    { schema: { params: IdParams } },
    async (request) => {
      const user = requireUser(request);
      requireCommander(user, 'see retention settings');
      const op = await getVisibleOperation(ctx, user, request.params.id);
      return { operationId: op.id, hold: await holdView(ctx, op.id), ...retention.status() };
    },
  );

  app.put<{ Params: { id: string }; Body: { kept: boolean } }>(
    '/api/operations/:id/hold',
    { schema: { params: IdParams, body: HoldBody } },
    async (request) => {
      const user = requireUser(request);
      requireCommander(user, `${request.body.kept ? 'set' : 'lift'} an evidence hold`);
      const op = await getVisibleOperation(ctx, user, request.params.id);
      const current = await ctx.storage.operationHold(op.id);
      // Setting it again keeps who set it first and when.
      if (request.body.kept !== (current !== null)) {
        await ctx.storage.setOperationHold(op.id, request.body.kept ? user.id : null, Date.now());
        ctx.log.info(
          { operation: op.id, user: user.id },
          request.body.kept ? 'evidence hold set' : 'evidence hold lifted',
        );
      }
      return { operationId: op.id, hold: await holdView(ctx, op.id), ...retention.status() };
    },
  );
}

async function holdView(ctx: AppContext, operationId: string) {
  const hold = await ctx.storage.operationHold(operationId);
  if (!hold) return null;
  const account = await ctx.storage.getAccount(hold.keptBy);
  return {
    keptBy: hold.keptBy,
    keptByName: account?.name ?? hold.keptBy,
    keptAt: hold.keptAt,
    from: hold.from,
    to: hold.to,
  };
}
