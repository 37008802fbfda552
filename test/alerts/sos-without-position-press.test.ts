import { describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.ts';
import { traccarQuery } from '../live/live-helpers.ts';
import { CAR, offset, send, startAlertServer, storedAlerts } from './alert-helpers.ts';
import { restart, sharedDir } from './restart.test-support.ts';

/** Where 禹越巡01 last had a GPS lock. */
const LAST = offset(120, 40);

/** A report of CAR without a usable position (lat 0, lon 0), with the alarm or without. */
async function noFix(server: TestServer, time: number, alarm: boolean): Promise<void> {
  const params = { id: CAR.deviceId, lat: '0', lon: '0', timestamp: new Date(time).toISOString() };
  const res = await traccarQuery(server.url, alarm ? { ...params, alarm: 'sos' } : params);
  expect(res.status, await res.text()).toBe(200);
  await server.alerts.whenIdle();
}

/** The times of the stored SOS alerts, oldest first, and whether each press's end was recorded. */
const sos = async (server: TestServer) =>
  (await storedAlerts(server)).filter((a) => a.kind === 'sos').map((a) => [a.time, a.evidence.pressEndedAt ?? null]);

describe('an SOS press begun without a position', () => {
  it('ended by a report without a position: a later alarm fix that comes late is a new press, raised', async (t) => {
    const server = await startAlertServer(t);
    const t0 = Date.now() - 60_000;
    await send(server, CAR.deviceId, [{ time: t0, at: LAST }]);
    await noFix(server, t0 + 10_000, true);
    await noFix(server, t0 + 15_000, false);
    await send(server, CAR.deviceId, [{ time: t0 + 30_000, at: LAST }]);
    // A second press, with a lock: its fix comes late.
    await send(server, CAR.deviceId, [{ time: t0 + 20_000, at: LAST, alarm: 'sos' }]);
    expect(await sos(server)).toEqual([
      [t0 + 10_000, t0 + 15_000],
      [t0 + 20_000, null],
    ]);
  });

  it('held across a restart: the alarm sent on, without a position or with one, is the same press', async (t) => {
    for (const carriedOn of ['positionless', 'positioned'] as const) {
      const dataDir = sharedDir(t);
      let server = await startAlertServer(t, { dataDir });
      const t0 = Date.now() - 5 * 60_000;
      await send(server, CAR.deviceId, [{ time: t0, at: LAST }]);
      await noFix(server, t0 + 10_000, true);
      server = await restart(t, server, { dataDir });
      if (carriedOn === 'positionless') await noFix(server, t0 + 20_000, true);
      else await send(server, CAR.deviceId, [{ time: t0 + 20_000, at: LAST, alarm: 'sos' }]);
      expect(await sos(server), carriedOn).toEqual([[t0 + 10_000, null]]);
      await server.close();
    }
  });

  it('ended before a restart: the next press after it is raised', async (t) => {
    const dataDir = sharedDir(t);
    let server = await startAlertServer(t, { dataDir });
    const t0 = Date.now() - 5 * 60_000;
    await send(server, CAR.deviceId, [{ time: t0, at: LAST }]);
    await noFix(server, t0 + 10_000, true);
    await noFix(server, t0 + 15_000, false);
    server = await restart(t, server, { dataDir });
    await noFix(server, t0 + 20_000, true);
    expect(await sos(server)).toEqual([
      [t0 + 10_000, t0 + 15_000],
      [t0 + 20_000, null],
    ]);
  });

  it('with an alarm fix dated before it (out of order), ended by a fix: one SOS after a restart', async (t) => {
    const dataDir = sharedDir(t);
    let server = await startAlertServer(t, { dataDir });
    const t0 = Date.now() - 5 * 60_000;
    await send(server, CAR.deviceId, [{ time: t0, at: LAST }]);
    await noFix(server, t0 + 10_000, true);
    await send(server, CAR.deviceId, [{ time: t0 + 5_000, at: LAST, alarm: 'sos' }]);
    await send(server, CAR.deviceId, [{ time: t0 + 30_000, at: LAST }]);
    expect(await sos(server)).toEqual([[t0 + 10_000, null]]);
    server = await restart(t, server, { dataDir });
    expect(await sos(server)).toEqual([[t0 + 10_000, null]]);
  });
});
