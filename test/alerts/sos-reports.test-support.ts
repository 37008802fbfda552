import { expect } from 'vitest';
import { DEMO_OP, type TestServer } from '../helpers/server.ts';
import { api, traccarQuery } from '../live/live-helpers.ts';
import { CAR, storedAlerts } from './alert-helpers.ts';

/** A `timestamp` parameter (ISO 8601, to the millisecond). */
export const iso = (ms: number) => new Date(ms).toISOString();

/** One OsmAnd request of `deviceId` as Traccar Client sends it; it must be acknowledged; then the alert engine is idle. */
export async function report(
  server: TestServer,
  deviceId: string,
  params: Record<string, string | number>,
): Promise<void> {
  const res = await traccarQuery(server.url, { id: deviceId, ...params });
  expect(res.status, await res.text()).toBe(200);
  await server.alerts.whenIdle();
}

/** A report without a usable position (lat 0, lon 0) at `time`, with the alarm or without; CAR's tracker unless `deviceId`. */
export function noFix(server: TestServer, time: number, alarm: boolean, deviceId: string = CAR.deviceId) {
  const params = { lat: 0, lon: 0, timestamp: iso(time) };
  return report(server, deviceId, alarm ? { ...params, alarm: 'sos' } : params);
}

/** Traccar Client's heartbeat: an id, a time and the battery, no location at all; with the alarm or without. */
export function heartbeat(server: TestServer, deviceId: string, time: number, alarm: boolean) {
  const params = { timestamp: iso(time), batt: 60 };
  return report(server, deviceId, alarm ? { ...params, alarm: 'sos' } : params);
}

/** Register tracker `deviceId` on `unit` as the commander (a unit's second tracker, say). */
export async function addTracker(
  server: TestServer,
  deviceId: string,
  unit: { stationId: string; unitId: string },
): Promise<void> {
  const { token } = await server.login('commander');
  const res = await api(server, token, 'POST', '/api/devices', {
    id: deviceId,
    stationId: unit.stationId,
    unitId: unit.unitId,
  });
  expect(res.status).toBe(201);
}

/** The commander acknowledges, then resolves, the unit's SOS at `time`. */
export async function resolveSos(server: TestServer, time: number): Promise<void> {
  const alert = (await storedAlerts(server)).find((a) => a.kind === 'sos' && a.time === time)!;
  const { token } = await server.login('commander');
  for (const action of ['acknowledge', 'resolve']) {
    const res = await api(server, token, 'POST', `/api/operations/${DEMO_OP}/alerts/${alert.id}/${action}`);
    expect(res.status, action).toBe(200);
  }
}
