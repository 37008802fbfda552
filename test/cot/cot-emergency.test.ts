import { describe, expect, it } from 'vitest';
import { CAR, startAlertServer, storedAlerts } from '../alerts/alert-helpers.ts';
import { until } from '../cluster/live-pair.ts';
import type { TestServer } from '../helpers/server.ts';
import { api } from '../live/live-helpers.ts';
import { connectTak, type TakClient } from './tak-client.ts';

const TAK_UID = 'ANDROID-5f3a9c0e21b7d4aa';

async function registerTak(server: TestServer): Promise<void> {
  const { token } = await server.login('commander');
  const res = await api(server, token, 'POST', '/api/devices', {
    id: TAK_UID,
    stationId: CAR.stationId,
    unitId: CAR.unitId,
  });
  expect(res.status).toBe(201);
}

/**
 * What ATAK sends from its Emergency tool: the alert (`b-a-o-tbl` for 911) linked to the device,
 * at the device's position, and its cancel (`b-a-o-can`), which names no device.
 */
function emergency(tak: TakClient, kind: 'raise' | 'cancel', time: number, at: [number, number], of = TAK_UID): void {
  const t = new Date(time).toISOString();
  const detail =
    kind === 'raise'
      ? `<link uid="${of}" type="a-f-G-U-C" relation="p-p"/><contact callsign="禹越巡01-Alert"/><emergency type="911 Alert">禹越巡01</emergency>`
      : '<emergency cancel="true">禹越巡01</emergency>';
  tak.socket.write(
    `<event version="2.0" uid="${of}-9-1-1" type="${kind === 'raise' ? 'b-a-o-tbl' : 'b-a-o-can'}" time="${t}" start="${t}" stale="${new Date(time + 10_000).toISOString()}" how="h-e">` +
      `<point lat="${at[1]}" lon="${at[0]}" hae="9999999.0" ce="9999999.0" le="9999999.0"/><detail>${detail}</detail></event>`,
  );
}

/** The stored fixes of 禹越巡01 as [time, alarm]. */
const fixes = async (server: TestServer) =>
  (await server.ctx.storage.track(CAR.stationId, CAR.unitId, 0, Number.MAX_SAFE_INTEGER, 100)).map((f) => [
    f.time,
    f.alarm,
  ]);

const sosAlerts = async (server: TestServer) =>
  (await storedAlerts(server))
    .filter((a) => a.kind === 'sos')
    .map((a) => [a.unitId, a.time, a.lngLat, a.evidence.alarm]);

describe('an emergency raised on TAK', () => {
  it("raises its unit's SOS alert, as a tracker's SOS button does, while its positions carry the alarm until it is cancelled", async (t) => {
    const server = await startAlertServer(t, { cotPort: 0 });
    const port = server.app.cotBridge!.address()!.port;
    await registerTak(server);
    const t0 = Date.now() - 60_000;
    const at: [number, number] = [120.301, 30.521];

    // Not identified yet: its emergency is nobody's.
    const stranger = await connectTak(t, port);
    emergency(stranger, 'raise', t0, at);

    const tak = await connectTak(t, port);
    tak.sendPosition(TAK_UID, { lng: at[0], lat: at[1], time: t0 + 1_000 });
    await until(async () => (await fixes(server)).length === 1, 10_000, 'identified');
    emergency(tak, 'raise', t0 + 2_000, [120.302, 30.522]);
    await until(async () => (await sosAlerts(server)).length === 1, 10_000, 'the SOS alert');
    expect(await sosAlerts(server)).toEqual([[CAR.unitId, t0 + 2_000, [120.302, 30.522], '911 Alert']]);

    // Its positions carry the alarm meanwhile: the same SOS, not a new one per position.
    tak.sendPosition(TAK_UID, { lng: at[0], lat: at[1], time: t0 + 3_000 });
    emergency(tak, 'cancel', t0 + 4_000, at);
    tak.sendPosition(TAK_UID, { lng: at[0], lat: at[1], time: t0 + 5_000 });
    await until(async () => (await fixes(server)).length === 5, 10_000, 'the fixes after the alert');
    expect(await fixes(server)).toEqual([
      [t0 + 1_000, null],
      [t0 + 2_000, '911 Alert'],
      [t0 + 3_000, '911 Alert'],
      [t0 + 4_000, null],
      [t0 + 5_000, null],
    ]);
    expect(await sosAlerts(server)).toHaveLength(1);

    // Raised again after the cancel: a new alert.
    emergency(tak, 'raise', t0 + 6_000, at);
    await until(async () => (await sosAlerts(server)).length === 2, 10_000, 'the second SOS alert');
    // Another device's emergency sent over this connection is not its own.
    emergency(tak, 'raise', t0 + 7_000, at, 'ANDROID-other');
    tak.sendPosition(TAK_UID, { lng: at[0], lat: at[1], time: t0 + 8_000 });
    await until(async () => (await fixes(server)).length === 7, 10_000, 'the last position');
    expect((await fixes(server)).slice(5)).toEqual([
      [t0 + 6_000, '911 Alert'],
      [t0 + 8_000, '911 Alert'],
    ]);
    expect((await sosAlerts(server)).map((a) => a[1])).toEqual([t0 + 2_000, t0 + 6_000]);
    const received = await server.ctx.metrics.registry.getSingleMetricAsString('jointmap_cot_events_received_total');
    expect(received).toMatch(/outcome="emergency_unidentified"} 1/);
    expect(received).toMatch(/outcome="emergency"} 2/);
    expect(received).toMatch(/outcome="emergency_cancel"} 1/);
  });
});
