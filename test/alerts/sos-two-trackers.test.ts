import { describe, expect, it } from 'vitest';
import { unitKey } from '@jointmap/shared';
import { eventually, stored } from '../live/live-helpers.ts';
import { alertViewer, CAR, offset, send, startAlertServer, storedAlerts } from './alert-helpers.ts';
import { addTracker, iso, noFix, report } from './sos-reports.test-support.ts';

/** 禹越巡01's second tracker: the officer's phone (its id sorts after the car's tracker's). */
const PHONE = 'demo-yuyue-01-phone';

const sos = async (server: Parameters<typeof storedAlerts>[0]) =>
  (await storedAlerts(server)).filter((a) => a.kind === 'sos').map((a) => [a.time, a.lngLat, a.evidence]);

describe('an SOS of a unit with two trackers', () => {
  it('held by one tracker is not split by the other reporting valid=false every 30 s, nor ended by it', async (t) => {
    const server = await startAlertServer(t);
    await addTracker(server, PHONE, CAR);
    const t0 = Date.now() - 5 * 60_000;
    // The body tracker holds SOS (a fix every 10 s); the phone indoors has no lock and no alarm.
    for (let s = 0; s <= 90; s += 10) {
      await send(server, CAR.deviceId, [{ time: t0 + s * 1000, at: offset(0, s), alarm: 'sos' }]);
      if (s % 30 === 0)
        await report(server, PHONE, { lat: 30.5, lon: 120.3, valid: 'false', timestamp: iso(t0 + s * 1000 + 1) });
    }
    // Nor does the phone's heartbeat or report at 0, 0 end it.
    await report(server, PHONE, { timestamp: iso(t0 + 95_000) });
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
      [t0 + 10_000, offset(20, 0), { alarm: 'sos', position: 'last_known', positionTime: t0 }],
    ]);
  });
});
