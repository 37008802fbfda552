import { describe, expect, it } from 'vitest';
import { unitKey, type Alert } from '@jointmap/shared';
import { DEMO_OP, type TestServer } from '../helpers/server.ts';
import { api, eventually, rawPost, stored } from '../live/live-helpers.ts';
import { alertViewer, CAR, FOOT, offset, send, startAlertServer, storedAlerts } from './alert-helpers.ts';
import { restart, sharedDir } from './restart.test-support.ts';
import { heartbeat, iso, report } from './sos-reports.test-support.ts';

/** Where 禹越巡01 last had a GPS lock. */
const LAST = offset(120, 40);

/** The SOS alerts as [unit, time, lngLat, evidence], oldest first. */
const sos = async (server: TestServer) =>
  (await storedAlerts(server)).filter((a) => a.kind === 'sos').map((a) => [a.unitId, a.time, a.lngLat, a.evidence]);

const track = async (server: TestServer, unit: { stationId: string; unitId: string }) =>
  (await stored(server, unit.stationId, unit.unitId)).track.map((f) => [f.time, f.alarm]);

describe('an SOS sent without a usable position', () => {
  it("at lat 0, lon 0 after a fix: raises the unit's SOS at its last known position, marked so, and leaves track and marker alone", async (t) => {
    const server = await startAlertServer(t);
    const viewer = await alertViewer(t, server, 'commander');
    const t0 = Date.now() - 60_000;
    await send(server, CAR.deviceId, [{ time: t0, at: LAST }]);
    await report(server, CAR.deviceId, { lat: '0', lon: '0', timestamp: iso(t0 + 20_000), alarm: 'sos' });

    const evidence = { alarm: 'sos', position: 'last_known', positionTime: t0, deviceId: CAR.deviceId };
    expect(await sos(server)).toEqual([[CAR.unitId, t0 + 20_000, LAST, evidence]]);
    // The same alert path: sent to the operation's viewers as any SOS.
    const raised = () => viewer.alerts.flatMap((m) => m.alerts).filter((a: Alert) => a.kind === 'sos');
    await eventually(() => raised().length === 1, 5_000, 'the SOS on live:alerts');
    expect(raised()[0]).toMatchObject({ state: 'open', lngLat: LAST, evidence });
    // Nothing fake in the track, and the unit's latest position is still its last fix.
    expect(await track(server, CAR)).toEqual([[t0, null]]);
    expect((await stored(server, CAR.stationId, CAR.unitId)).latest).toMatchObject({ time: t0, lng: LAST[0] });
    await eventually(() => viewer.latest.has(unitKey(CAR.stationId, CAR.unitId)), 5_000, 'the marker');
    expect(viewer.latest.get(unitKey(CAR.stationId, CAR.unitId))).toMatchObject({ time: t0, lngLat: LAST });
  });

  it('with valid=false after a fix (no GPS lock indoors): raised at the last known position, not at the stale coordinates it came with', async (t) => {
    const server = await startAlertServer(t);
    const t0 = Date.now() - 60_000;
    await send(server, CAR.deviceId, [{ time: t0, at: LAST }]);
    const stale = offset(900, 900);
    await report(server, CAR.deviceId, {
      lat: String(stale[1]),
      lon: String(stale[0]),
      valid: 'false',
      timestamp: iso(t0 + 20_000),
      alarm: 'sos',
    });
    expect(await sos(server)).toEqual([
      [
        CAR.unitId,
        t0 + 20_000,
        LAST,
        { alarm: 'sos', position: 'last_known', positionTime: t0, deviceId: CAR.deviceId },
      ],
    ]);
    expect(await track(server, CAR)).toEqual([[t0, null]]);
  });

  it('from a unit that never reported a position, at lat 0, lon 0 or with valid=false: raised with no position at all', async (t) => {
    const server = await startAlertServer(t);
    const t0 = Date.now() - 60_000;
    expect((await stored(server, FOOT.stationId, FOOT.unitId)).latest).toBeNull();
    await report(server, FOOT.deviceId, { lat: '0', lon: '0', timestamp: iso(t0), alarm: 'sos' });
    // The press ends with a report without the alarm (still no lock); the next press is a new SOS.
    await report(server, FOOT.deviceId, { lat: '30.5', lon: '120.3', valid: 'false', timestamp: iso(t0 + 10_000) });
    await report(server, FOOT.deviceId, {
      lat: '30.5',
      lon: '120.3',
      valid: 'false',
      timestamp: iso(t0 + 20_000),
      alarm: 'sos',
    });
    expect(await sos(server)).toEqual([
      // The end of the first press, kept on its alert (no track holds it).
      [FOOT.unitId, t0, [0, 0], { alarm: 'sos', position: 'none', deviceId: FOOT.deviceId, pressEndedAt: t0 + 10_000 }],
      [FOOT.unitId, t0 + 20_000, [0, 0], { alarm: 'sos', position: 'none', deviceId: FOOT.deviceId }],
    ]);
    expect(await stored(server, FOOT.stationId, FOOT.unitId)).toEqual({ track: [], latest: null });
  });

  it('is one SOS per press: an alarm sent again or carried on while the press lasts raises nothing more', async (t) => {
    const server = await startAlertServer(t);
    const t0 = Date.now() - 60_000;
    await send(server, CAR.deviceId, [{ time: t0, at: LAST }]);
    const alarm = { lat: '0', lon: '0', alarm: 'sos' };
    await report(server, CAR.deviceId, { ...alarm, timestamp: iso(t0 + 10_000) });
    // Its answer lost: sent again; then the next fixes, still without a lock, carry the alarm.
    await report(server, CAR.deviceId, { ...alarm, timestamp: iso(t0 + 10_000) });
    await report(server, CAR.deviceId, { ...alarm, timestamp: iso(t0 + 20_000) });
    // The lock is back and the tracker still sends the alarm: the same press.
    await send(server, CAR.deviceId, [{ time: t0 + 30_000, at: offset(130, 40), alarm: 'sos' }]);
    expect((await sos(server)).map((a) => a[1])).toEqual([t0 + 10_000]);
  });

  it('a heartbeat that carries an alarm (no location at all) raises it too', async (t) => {
    const server = await startAlertServer(t);
    const t0 = Date.now() - 60_000;
    await send(server, CAR.deviceId, [{ time: t0, at: LAST }]);
    await report(server, CAR.deviceId, { timestamp: iso(t0 + 5_000), batt: '40', alarm: 'sos' });
    expect(await sos(server)).toEqual([
      [
        CAR.unitId,
        t0 + 5_000,
        LAST,
        { alarm: 'sos', position: 'last_known', positionTime: t0, deviceId: CAR.deviceId },
      ],
    ]);
    expect(await track(server, CAR)).toEqual([[t0, null]]);
  });

  it('from a phone that never had a fix, by heartbeats: a heartbeat without the alarm ends the press, so the next SOS is raised', async (t) => {
    const server = await startAlertServer(t);
    const t0 = Date.now() - 15 * 60_000;
    await heartbeat(server, FOOT.deviceId, t0, true);
    // The phone carries on with its stationary heartbeats; the commander handles the alert.
    await heartbeat(server, FOOT.deviceId, t0 + 30_000, false);
    await heartbeat(server, FOOT.deviceId, t0 + 60_000, false);
    const [first] = (await storedAlerts(server)).filter((a) => a.kind === 'sos');
    const { token } = await server.login('commander');
    for (const step of ['acknowledge', 'resolve'])
      expect((await api(server, token, 'POST', `/api/operations/${DEMO_OP}/alerts/${first!.id}/${step}`)).status).toBe(
        200,
      );
    // Ten minutes later, still without a fix, the officer presses SOS again.
    await heartbeat(server, FOOT.deviceId, t0 + 10 * 60_000, true);
    expect(await sos(server)).toEqual([
      [FOOT.unitId, t0, [0, 0], { alarm: 'sos', position: 'none', deviceId: FOOT.deviceId, pressEndedAt: t0 + 30_000 }],
      [FOOT.unitId, t0 + 10 * 60_000, [0, 0], { alarm: 'sos', position: 'none', deviceId: FOOT.deviceId }],
    ]);
    expect(await stored(server, FOOT.stationId, FOOT.unitId)).toEqual({ track: [], latest: null });
  });

  it("from a phone's buffer sent in one batch: the heartbeat between two alarms ends the first press, so the second is raised", async (t) => {
    const server = await startAlertServer(t);
    const t0 = Date.now() - 15 * 60_000;
    const id = FOOT.deviceId;
    const batch = [
      { id, timestamp: iso(t0), alarm: 'sos' },
      { id, timestamp: iso(t0 + 30_000), batt: 60 },
      { id, timestamp: iso(t0 + 60_000), alarm: 'sos' },
    ];
    const res = await rawPost(server.url, 'application/json', JSON.stringify(batch));
    expect(res.status, await res.text()).toBe(200);
    await server.alerts.whenIdle();
    expect(await sos(server)).toEqual([
      [FOOT.unitId, t0, [0, 0], { alarm: 'sos', position: 'none', deviceId: id, pressEndedAt: t0 + 30_000 }],
      [FOOT.unitId, t0 + 60_000, [0, 0], { alarm: 'sos', position: 'none', deviceId: id }],
    ]);
  });

  it('a press begun without a position and carried on with one is still one SOS after a restart', async (t) => {
    const dataDir = sharedDir(t);
    let server = await startAlertServer(t, { dataDir });
    const t0 = Date.now() - 5 * 60_000;
    await send(server, CAR.deviceId, [{ time: t0, at: LAST }]);
    await report(server, CAR.deviceId, { lat: '0', lon: '0', timestamp: iso(t0 + 10_000), alarm: 'sos' });
    await send(server, CAR.deviceId, [
      { time: t0 + 20_000, at: offset(130, 40), alarm: 'sos' },
      { time: t0 + 30_000, at: offset(140, 40), alarm: 'sos' },
    ]);
    expect((await sos(server)).map((a) => a[1])).toEqual([t0 + 10_000]);
    // The replay of the track meets the stored alarm fixes, not the alarm without a position.
    server = await restart(t, server, { dataDir });
    expect((await sos(server)).map((a) => a[1])).toEqual([t0 + 10_000]);
  });
});
