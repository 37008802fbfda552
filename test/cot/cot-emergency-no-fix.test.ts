import { describe, expect, it } from 'vitest';
import { CAR, startAlertServer, storedAlerts } from '../alerts/alert-helpers.ts';
import { until } from '../cluster/live-pair.ts';
import type { TestServer } from '../helpers/server.ts';
import { api } from '../live/live-helpers.ts';
import { connectTak, type TakClient } from './tak-client.ts';

const TAK_UID = 'ANDROID-0c4e7a9b13f2d655';

async function startWithTak(
  t: Parameters<typeof startAlertServer>[0],
): Promise<{ server: TestServer; tak: TakClient }> {
  const server = await startAlertServer(t, { cotPort: 0 });
  const { token } = await server.login('commander');
  const res = await api(server, token, 'POST', '/api/devices', {
    id: TAK_UID,
    stationId: CAR.stationId,
    unitId: CAR.unitId,
  });
  expect(res.status).toBe(201);
  return { server, tak: await connectTak(t, server.app.cotBridge!.address()!.port) };
}

/**
 * ATAK's 911 alert and its cancel, as its Emergency tool sends them, at `at` (lng, lat): ATAK
 * without a GPS fix sends its own point as 0, 0.
 */
function emergency(tak: TakClient, kind: 'raise' | 'cancel', time: number, at: [number, number]): void {
  const t = new Date(time).toISOString();
  const detail =
    kind === 'raise'
      ? `<link uid="${TAK_UID}" type="a-f-G-U-C" relation="p-p"/><emergency type="911 Alert">禹越巡01</emergency>`
      : '<emergency cancel="true">禹越巡01</emergency>';
  tak.socket.write(
    `<event version="2.0" uid="${TAK_UID}-9-1-1" type="${kind === 'raise' ? 'b-a-o-tbl' : 'b-a-o-can'}" time="${t}" start="${t}" stale="${new Date(time + 10_000).toISOString()}" how="h-e">` +
      `<point lat="${at[1]}" lon="${at[0]}" hae="9999999.0" ce="9999999.0" le="9999999.0"/><detail>${detail}</detail></event>`,
  );
}

const fixes = async (server: TestServer) =>
  (await server.ctx.storage.track(CAR.stationId, CAR.unitId, 0, Number.MAX_SAFE_INTEGER, 100)).map((f) => [
    f.time,
    f.alarm,
  ]);

const sosAlerts = async (server: TestServer) =>
  (await storedAlerts(server)).filter((a) => a.kind === 'sos').map((a) => [a.time, a.lngLat, a.evidence]);

describe('an emergency raised on TAK without a GPS fix (its point at 0, 0)', () => {
  it("raises the unit's SOS at its last known position, marked so, once per emergency, and stores no fix at 0, 0", async (t) => {
    const { server, tak } = await startWithTak(t);
    const t0 = Date.now() - 60_000;
    const at: [number, number] = [120.301, 30.521];
    tak.sendPosition(TAK_UID, { lng: at[0], lat: at[1], time: t0 });
    await until(async () => (await fixes(server)).length === 1, 10_000, 'identified');

    emergency(tak, 'raise', t0 + 2_000, [0, 0]);
    await until(async () => (await sosAlerts(server)).length === 1, 10_000, 'the SOS alert');
    expect(await sosAlerts(server)).toEqual([
      [t0 + 2_000, at, { alarm: '911 Alert', position: 'last_known', positionTime: t0, deviceId: TAK_UID }],
    ]);
    // Its positions without a fix carry the alarm: the same SOS. Cancelled, then raised again: a new one.
    tak.sendPosition(TAK_UID, { lng: 0, lat: 0, time: t0 + 3_000 });
    emergency(tak, 'cancel', t0 + 4_000, [0, 0]);
    emergency(tak, 'raise', t0 + 5_000, [0, 0]);
    // The fix is back while the emergency stands: still that one SOS.
    tak.sendPosition(TAK_UID, { lng: at[0], lat: at[1], time: t0 + 6_000 });
    await until(async () => (await fixes(server)).length === 2, 10_000, 'the position with a fix');
    expect((await sosAlerts(server)).map((a) => a[0])).toEqual([t0 + 2_000, t0 + 5_000]);
    expect(await fixes(server)).toEqual([
      [t0, null],
      [t0 + 6_000, '911 Alert'],
    ]);
  });

  it('from a device that never had a fix: raised with no position at all', async (t) => {
    const { server, tak } = await startWithTak(t);
    const t0 = Date.now() - 60_000;
    // Identified by a position at 0, 0 (accepted, not stored).
    tak.sendPosition(TAK_UID, { lng: 0, lat: 0, time: t0 });
    const received = () => server.ctx.metrics.registry.getSingleMetricAsString('jointmap_cot_events_received_total');
    await until(async () => /outcome="position"} 1/.test(await received()), 10_000, 'identified');
    emergency(tak, 'raise', t0 + 1_000, [0, 0]);
    await until(async () => (await sosAlerts(server)).length === 1, 10_000, 'the SOS alert');
    expect(await sosAlerts(server)).toEqual([
      [t0 + 1_000, [0, 0], { alarm: '911 Alert', position: 'none', deviceId: TAK_UID }],
    ]);
    expect(await fixes(server)).toEqual([]);
  });
});
