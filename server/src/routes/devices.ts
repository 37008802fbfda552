import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError, DeviceId, Id, StoredName } from '@jointmap/shared';
import type { LiveService } from '../live/live-service.ts';
import { registerDevice, type RegisterDeviceInput } from '../live/roster.ts';
import { requireUser } from '../plugins/auth.ts';
import type { AppContext } from '../services/context.ts';

const RegisterBody = Type.Object(
  {
    id: DeviceId,
    stationId: Id,
    unitId: Type.Union([Id, Type.Null()]),
    label: Type.Optional(StoredName(60)),
  },
  { additionalProperties: false },
);

/**
 * Tracker registration. `POST /api/devices {id, stationId, unitId, label}` registers or moves a
 * device (dispatchers: own station; commanders: any; never away from another station's unit:
 * `CONFLICT` until that station releases it) and mirrors it into the unit records;
 * `GET /api/devices?stationId=` lists them.
 */
export function deviceRoutes(app: FastifyInstance, ctx: AppContext, live: LiveService): void {
  app.post<{ Body: RegisterDeviceInput }>(
    '/api/devices',
    { schema: { body: RegisterBody } },
    async (request, reply) => {
      const { device, created } = await registerDevice(ctx, live, requireUser(request), request.body);
      return reply.status(created ? 201 : 200).send(device);
    },
  );

  app.get<{ Querystring: { stationId?: string } }>(
    '/api/devices',
    { schema: { querystring: Type.Object({ stationId: Type.Optional(Id) }, { additionalProperties: false }) } },
    async (request) => {
      const user = requireUser(request);
      let stationId = request.query.stationId;
      if (user.role === 'dispatcher') {
        if (stationId && stationId !== user.stationId)
          throw new AppError('FORBIDDEN', 'dispatchers list devices of their own station only');
        stationId = user.stationId ?? undefined;
      } else if (user.role !== 'commander') {
        throw new AppError('FORBIDDEN', 'only dispatchers and commanders manage devices');
      }
      return { devices: await ctx.storage.listDevices(stationId) };
    },
  );
}
