import { describe, expect, it } from 'vitest';
import { unitKey } from '@jointmap/shared';
import { eventually, stored } from '../live/live-helpers.ts';
import { alertViewer, CAR, offset, send, startAlertServer, storedAlerts } from './alert-helpers.ts';
import { restart, sharedDir } from './restart.test-support.ts';
import { addTracker, heartbeat, iso, noFix, report } from './sos-reports.test-support.ts';

/** 禹越巡01's second tracker: the officer's phone (its id sorts after the car's tracker's). */
const PHONE = 'demo-yuyue-01-phone';

const sos = async (server: Parameters<typeof storedAlerts>[0]) =>
  (await storedAlerts(server)).filter((a) => a.kind === 'sos').map((a) => [a.time, a.lngLat, a.evidence]);

describe('an SOS of a unit with two trackers', () => {
  it('held by one tracker is not split by the other reporting valid=false every 30 s, nor ended by its reports without a position', async (t) => {
    const server = await startAlertServer(t);
    await addTracker(server, PHONE, CAR);
    const t0 = Date.now() - 5 * 60_000;
    // The body tracker holds SOS (a fix every 10 s); the phone indoors has no lock and no alarm.
    for (let s = 0; s <= 90; s += 10) {
      await send(server, CAR.deviceId, [{ time: t0 + s * 1000, at: offset(0, s), alarm: 'sos' }]);
      if (s % 30 === 0)
        await report(server, PHONE, { lat: 30.5, lon: 120.3, valid: 'false', timestamp: iso(t0 + s * 1000 + 1) });
    }
    // Nor does its report at 0, 0 end it (heard by the engine as any report without a position; its
    // heartbeat is not even relayed while it holds no press: alert-service-heartbeats.test.ts).
    await noFix(server, t0 + 96_000, false, PHONE);
    await send(server, CAR.deviceId, [{ time: t0 + 100_000, at: offset(0, 100), alarm: 'sos' }]);
    expect((await sos(server)).map((a) => a[0])).toEqual([t0]);
    // The body tracker's own fix without the alarm ends it: its next alarm is a second SOS.
    await send(server, CAR.deviceId, [{ time: t0 + 110_000, at: offset(0, 110) }]);
    await send(server, CAR.deviceId, [{ time: t0 + 120_000, at: offset(0, 120), alarm: 'sos' }]);
    expect((await sos(server)).map((a) => a[0])).toEqual([t0, t0 + 120_000]);
  });

  it('reporting in the same millisecond: an SOS without a position is placed at the marker’s fix, not at the one that came first', async (t) => {
    const server = await startAlertServer(t);
    await addTracker(server, PHONE, CAR);
    const viewer = await alertViewer(t, server, 'commander');
    const t0 = Date.now() - 60_000;
    // The car's tracker first, then the phone (the greater id, so the newest by the newest-fix rule).
    await send(server, CAR.deviceId, [{ time: t0, at: offset(10, 0) }]);
    await send(server, PHONE, [{ time: t0, at: offset(20, 0) }]);
    await noFix(server, t0 + 10_000, true);
    expect((await stored(server, CAR.stationId, CAR.unitId)).latest).toMatchObject({ deviceId: PHONE });
    await eventually(() => viewer.latest.get(unitKey(CAR.stationId, CAR.unitId))?.deviceId === PHONE, 5_000, 'marker');
    expect(await sos(server)).toEqual([
      [t0 + 10_000, offset(20, 0), { alarm: 'sos', position: 'last_known', positionTime: t0, deviceId: CAR.deviceId }],
    ]);
  });
});

/** The times of the stored SOS alerts, oldest first, and where each press's end was recorded. */
const presses = async (server: Parameters<typeof storedAlerts>[0]) =>
  (await storedAlerts(server)).filter((a) => a.kind === 'sos').map((a) => [a.time, a.evidence.pressEndedAt ?? null]);

describe('an SOS of a unit with two trackers, across a restart (a replay window of 10 min)', () => {
  const settings = { alertReplayMinutes: 10 };

  for (const when of ['within', 'before'] as const) {
    it(`pressed on the phone without a position ${when} the window, the car reporting since: still held by the phone`, async (t) => {
      const dataDir = sharedDir(t);
      let server = await startAlertServer(t, { ...settings, dataDir });
      await addTracker(server, PHONE, CAR);
      const t0 = Date.now() - (when === 'within' ? 5 : 30) * 60_000;
      await send(server, CAR.deviceId, [{ time: t0, at: offset(0, 0) }]);
      await noFix(server, t0 + 10_000, true, PHONE);
      // The car's fixes neither end the phone's press nor keep it from being held after the restart.
      await send(server, CAR.deviceId, [{ time: t0 + 20_000, at: offset(0, 20) }]);
      await noFix(server, t0 + 40_000, true, PHONE);
      await send(server, CAR.deviceId, [{ time: Date.now() - 60_000, at: offset(0, 40) }]);
      server = await restart(t, server, { ...settings, dataDir });
      await noFix(server, t0 + 70_000, true, PHONE);
      expect(await presses(server)).toEqual([[t0 + 10_000, null]]);
      // Its heartbeat ends it (relayed: the engine knows the phone holds the press); the next press is raised.
      await heartbeat(server, PHONE, t0 + 80_000, false);
      await noFix(server, t0 + 90_000, true, PHONE);
      expect(await presses(server)).toEqual([
        [t0 + 10_000, t0 + 80_000],
        [t0 + 90_000, null],
      ]);
    });
  }

  it('pressed on the phone without a position, ended by its fix before the window: not held, its next press is raised', async (t) => {
    const dataDir = sharedDir(t);
    let server = await startAlertServer(t, { ...settings, dataDir });
    await addTracker(server, PHONE, CAR);
    const t0 = Date.now() - 30 * 60_000;
    await send(server, CAR.deviceId, [{ time: t0, at: offset(0, 0) }]);
    await noFix(server, t0 + 10_000, true, PHONE);
    await send(server, PHONE, [{ time: t0 + 20_000, at: offset(0, 20) }]);
    await send(server, CAR.deviceId, [{ time: Date.now() - 60_000, at: offset(0, 40) }]);
    server = await restart(t, server, { ...settings, dataDir });
    await noFix(server, t0 + 70_000, true, PHONE);
    expect(await presses(server)).toEqual([
      [t0 + 10_000, null],
      [t0 + 70_000, null],
    ]);
  });

  it('pressed on the phone with a position before the window: its buffered alarm fix after the restart is the same press', async (t) => {
    const dataDir = sharedDir(t);
    let server = await startAlertServer(t, { ...settings, dataDir });
    await addTracker(server, PHONE, CAR);
    const t0 = Date.now() - 30 * 60_000;
    await send(server, PHONE, [
      { time: t0, at: offset(0, 0), alarm: 'sos' },
      { time: t0 + 10_000, at: offset(0, 10), alarm: 'sos' },
    ]);
    await send(server, CAR.deviceId, [{ time: Date.now() - 60_000, at: offset(0, 40) }]);
    server = await restart(t, server, { ...settings, dataDir });
    await send(server, PHONE, [{ time: t0 + 20_000, at: offset(0, 20), alarm: 'sos' }]);
    expect(await presses(server)).toEqual([[t0, null]]);
  });
});
