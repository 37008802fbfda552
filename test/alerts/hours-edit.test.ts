import { describe, expect, it } from 'vitest';
import type { Alert } from '@jointmap/shared';
import type { Teardown, TestServer } from '../helpers/server.ts';
import { CAR, FOOT, line, putRules, send, startAlertServer, storedAlerts, summary, track } from './alert-helpers.ts';
import { depot, driveIn, parked } from './depot-scene.test-support.ts';
import { restart, sharedDir } from './restart.test-support.ts';

const MIN = 60_000;
const CST = 8 * 3600_000;

/** The China-time clock reading ("HH:MM") of `time`. */
const hhmm = (time: number) => new Date(time + CST).toISOString().slice(11, 16);

/** Hours from `from` minutes to `to` minutes from now (China time; may span midnight). */
const hoursAround = (from: number, to: number) => ({
  from: hhmm(Date.now() + from * MIN),
  to: hhmm(Date.now() + to * MIN),
});

/** The depot watched during `activeHours` (always, when null). */
const depotDuring = (activeHours: { from: string; to: string } | null) => depot({ activeHours });

/** A drive from `east` metres of the depot's centre into the depot from `t0`, parked there a minute. */
const driveInAndPark = (t0: number, east = -600) => [...driveIn(t0, east), ...parked(t0 + 90_000, 60)];

/**
 * The car, still parked in the depot after an edit, leaves the stored alerts `stored` as they are,
 * live and after a restart on `dataDir`.
 */
async function expectNothingNewLiveOrAfterRestart(
  t: Teardown,
  server: TestServer,
  dataDir: string,
  stored: Array<Alert | undefined>,
): Promise<void> {
  await send(server, CAR.deviceId, parked(Date.now() - 2 * MIN, 60));
  expect(await storedAlerts(server)).toEqual(stored);
  const restarted = await restart(t, server, { dataDir });
  await send(restarted, CAR.deviceId, parked(Date.now() - MIN, 40));
  expect(await storedAlerts(restarted)).toEqual(stored);
}

describe('an edit of a zone’s active hours keeps the state of the units it watches', () => {
  it('moving the start of the hours earlier while a unit is inside raises no second enter, live or after a restart', async (t) => {
    const dataDir = sharedDir(t);
    const server = await startAlertServer(t, { dataDir });
    await putRules(server, 'deqing-yuyue', [depotDuring(hoursAround(-60, 180))]);
    await send(server, CAR.deviceId, driveInAndPark(Date.now() - 20 * MIN));
    const [enter] = await storedAlerts(server);
    expect(await summary(server)).toEqual([`zone_enter ${CAR.unitId} depot`]);

    // "08:00 → 07:30": the period in progress now began half an hour earlier.
    await putRules(server, 'deqing-yuyue', [depotDuring(hoursAround(-90, 180))]);
    await expectNothingNewLiveOrAfterRestart(t, server, dataDir, [enter]);
  });

  it('hours given to an always-on zone while a unit is inside (since before they begin) raise no second enter, live or after a restart', async (t) => {
    const dataDir = sharedDir(t);
    const server = await startAlertServer(t, { dataDir });
    await putRules(server, 'deqing-yuyue', [depotDuring(null)]);
    await send(server, CAR.deviceId, driveInAndPark(Date.now() - 20 * MIN));
    const [enter] = await storedAlerts(server);

    // The hours begin ten minutes ago: after the unit entered.
    await putRules(server, 'deqing-yuyue', [depotDuring(hoursAround(-10, 180))]);
    await expectNothingNewLiveOrAfterRestart(t, server, dataDir, [enter]);
  });

  it('hours extended to now, off duty till then: a unit still inside enters once as when the hours begin, one that left off duty raises nothing', async (t) => {
    const server = await startAlertServer(t);
    // Watched from 3 h to 1 h ago: both units entered 2 h ago (one enter each) and stayed on.
    await putRules(server, 'deqing-yuyue', [depotDuring(hoursAround(-180, -60))]);
    const t0 = Date.now() - 120 * MIN;
    await send(server, CAR.deviceId, driveInAndPark(t0));
    await send(server, FOOT.deviceId, driveInAndPark(t0, 600));
    const entered = await storedAlerts(server);
    expect(entered.map((a) => `${a.kind} ${a.unitId}`).sort()).toEqual([
      `zone_enter ${CAR.unitId}`,
      `zone_enter ${FOOT.unitId}`,
    ]);
    // Off duty: the foot patrol walks out half an hour ago.
    await send(server, FOOT.deviceId, track(Date.now() - 30 * MIN, 2, line([0, 0], [600, 0], 30), 5));

    // The commander extends the hours to an hour from now: the zone is watched again, from now.
    await putRules(server, 'deqing-yuyue', [depotDuring(hoursAround(-180, 60))]);
    const now = Date.now();
    await send(server, CAR.deviceId, parked(now - MIN, 40));
    await send(server, FOOT.deviceId, parked(now - MIN, 40, 600));
    const added = (await storedAlerts(server)).filter((a) => !entered.some((e) => e.id === a.id));
    expect(added.map((a) => `${a.kind} ${a.unitId}`)).toEqual([`zone_enter ${CAR.unitId}`]);
    expect(added[0]!.time).toBeGreaterThanOrEqual(now - MIN);
  });
});
