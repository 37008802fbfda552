import { expect, it } from 'vitest';
import { api } from '../live/live-helpers.ts';
import { CAR, send, startAlertServer } from './alert-helpers.ts';

it('an SOS from a unit of an operation just created is raised for it before anyone has edited it', async (t) => {
  const server = await startAlertServer(t);
  const commander = (await server.login('commander')).token;
  const created = await api<{ id: string }>(server, commander, 'POST', '/api/operations', {
    name: '德清单独行动',
    kind: 'response',
    stations: [CAR.stationId],
  });
  expect(created.status).toBe(201);
  await send(server, CAR.deviceId, [{ time: Date.now() - 1_000, at: [120.3, 30.5], alarm: 'sos' }]);
  const stored = await server.ctx.storage.listAlerts(created.body.id, { limit: 100 });
  expect(stored.map((a) => `${a.kind} ${a.unitId}`)).toEqual([`sos ${CAR.unitId}`]);
});
