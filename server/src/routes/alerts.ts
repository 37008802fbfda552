import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  AlertKind,
  AlertState,
  AppError,
  canHandleAlert,
  Id,
  type Alert,
  type AlertListResponse,
  type AlertResponse,
} from '@jointmap/shared';
import type { AlertService } from '../alerts/alert-service.ts';
import { requireUser, type AuthUser } from '../plugins/auth.ts';
import { getVisibleOperation } from '../services/operations.ts';
import type { AppContext } from '../services/context.ts';

const MAX_LIMIT = 1000;
const AlertIdParam = Type.String({ pattern: '^[A-Za-z0-9_-]{1,100}$' });

const ListQuery = Type.Object(
  {
    state: Type.Optional(Type.Union(Object.keys(AlertState).map((k) => Type.Literal(k)))),
    kind: Type.Optional(Type.Union(Object.keys(AlertKind).map((k) => Type.Literal(k)))),
    stationId: Type.Optional(Id),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
  },
  { additionalProperties: false },
);

type ListQuery = { state?: AlertState; kind?: AlertKind; stationId?: string; limit?: string };

/**
 * Alerts of an operation: `GET /api/operations/:id/alerts?state=&kind=&stationId=&limit=` (newest
 * first; anyone who sees the operation), `POST …/alerts/:alertId/acknowledge` (open → acknowledged)
 * and `POST …/alerts/:alertId/resolve` (acknowledged → resolved), each by a dispatcher of the unit's
 * station or a commander, recorded with who and when and pushed on `live:alerts`.
 */
export function alertRoutes(app: FastifyInstance, ctx: AppContext, alerts: AlertService): void {
  app.get<{ Params: { id: string }; Querystring: ListQuery }>(
    '/api/operations/:id/alerts',
    { schema: { params: Type.Object({ id: Id }), querystring: ListQuery } },
    async (request): Promise<AlertListResponse> => {
      const user = requireUser(request);
      const op = await getVisibleOperation(ctx, user, request.params.id);
      const { state, kind, stationId, limit } = request.query;
      const n = limit === undefined ? 200 : Number(limit);
      if (n < 1 || n > MAX_LIMIT) throw new AppError('INVALID_PAYLOAD', `limit must be 1–${MAX_LIMIT}`);
      return {
        alerts: await ctx.storage.listAlerts(op.id, {
          ...(state ? { states: [state] } : {}),
          ...(kind ? { kind } : {}),
          ...(stationId ? { stationId } : {}),
          limit: n,
        }),
      };
    },
  );

  const transition = (action: 'acknowledge' | 'resolve', from: AlertState, to: AlertState) =>
    app.post<{ Params: { id: string; alertId: string } }>(
      `/api/operations/:id/alerts/:alertId/${action}`,
      { schema: { params: Type.Object({ id: Id, alertId: AlertIdParam }) } },
      async (request): Promise<AlertResponse> => {
        const user = requireUser(request);
        const op = await getVisibleOperation(ctx, user, request.params.id);
        // A closed operation (and one restored from an archive) is a record: its alerts stay as they were.
        if (op.status !== 'active') throw new AppError('FORBIDDEN', `operation ${op.id} is closed`);
        const alert = await ctx.storage.getAlert(op.id, request.params.alertId);
        if (!alert) throw new AppError('NOT_FOUND', `no alert ${request.params.alertId}`);
        if (!canHandleAlert(user, alert.stationId)) {
          throw new AppError(
            'FORBIDDEN',
            `only a commander or a dispatcher of ${alert.stationId} may ${action} this alert`,
          );
        }
        if (alert.state !== from) throw new AppError('CONFLICT', `the alert is ${alert.state}, not ${from}`);
        const next = withState(alert, to, user, Date.now());
        if (!(await ctx.storage.updateAlertIf(next, from))) {
          throw new AppError('CONFLICT', 'the alert was changed meanwhile; reload it');
        }
        alerts.changed(next);
        return { alert: next };
      },
    );
  transition('acknowledge', 'open', 'acknowledged');
  transition('resolve', 'acknowledged', 'resolved');
}

function withState(alert: Alert, state: AlertState, user: AuthUser, now: number): Alert {
  const person = { id: user.id, name: user.name };
  return state === 'acknowledged'
    ? { ...alert, state, acknowledgedBy: person, acknowledgedAt: now }
    : { ...alert, state, resolvedBy: person, resolvedAt: now };
}
