import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tempDir, type Teardown } from '../helpers/server.ts';
import {
  CAR,
  FOOT,
  line,
  offset,
  putRules,
  rule,
  send,
  square,
  startAlertServer,
  storedAlerts,
  summary,
  track,
} from './alert-helpers.ts';

const MIN = 60_000;
const CST = 8 * 3600_000;

/** A server on a data directory that outlives it (restarts), removed after the test. */
function sharedDir(t: Teardown): string {
  const dir = tempDir();
  t.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The China-time clock reading ("HH:MM") of `time`. */
const hhmm = (time: number) => new Date(time + CST).toISOString().slice(11, 16);

/** Hours from `from` minutes to `to` minutes from now (China time; may span midnight). */
const hoursAround = (from: number, to: number) => ({
  from: hhmm(Date.now() + from * MIN),
  to: hhmm(Date.now() + to * MIN),
});

const depot = (activeHours: { from: string; to: string } | null) =>
  rule('deqing-yuyue', { id: 'depot', name: '油库', type: 'zone', polygon: square(200), trigger: 'both', activeHours });

/** Fixes parked at `east` metres from the zone's centre, one every 5 s for `seconds`. */
const parked = (from: number, seconds: number, east = 0) =>
  Array.from({ length: seconds / 5 }, (_, i) => ({ time: from + i * 5_000, at: offset(east, 0), speedKmh: 0 }));

describe('an edit of a zone’s active hours keeps the state of the units it watches', () => {
  it('moving the start of the hours earlier while a unit is inside raises no second enter, live or after a restart', async (t) => {
    const dataDir = sharedDir(t);
    let server = await startAlertServer(t, { dataDir });
    await putRules(server, 'deqing-yuyue', [depot(hoursAround(-60, 180))]);
    const t0 = Date.now() - 20 * MIN;
    await send(server, CAR.deviceId, [...track(t0, 2, line([-600, 0], [0, 0], 30)), ...parked(t0 + 90_000, 60)]);
    const [enter] = await storedAlerts(server);
    expect(await summary(server)).toEqual([`zone_enter ${CAR.unitId} depot`]);

    // "08:00 → 07:30": the period in progress now began half an hour earlier.
    await putRules(server, 'deqing-yuyue', [depot(hoursAround(-90, 180))]);
    await send(server, CAR.deviceId, parked(Date.now() - 2 * MIN, 60));
    expect(await storedAlerts(server)).toEqual([enter]);
    await server.close();

    server = await startAlertServer(t, { dataDir });
    await server.alerts.whenIdle();
    await send(server, CAR.deviceId, parked(Date.now() - MIN, 40));
    expect(await storedAlerts(server)).toEqual([enter]);
  });

  it('hours given to an always-on zone while a unit is inside (since before they begin) raise no second enter, live or after a restart', async (t) => {
    const dataDir = sharedDir(t);
    let server = await startAlertServer(t, { dataDir });
    await putRules(server, 'deqing-yuyue', [depot(null)]);
    const t0 = Date.now() - 20 * MIN;
    await send(server, CAR.deviceId, [...track(t0, 2, line([-600, 0], [0, 0], 30)), ...parked(t0 + 90_000, 60)]);
    const [enter] = await storedAlerts(server);

    // The hours begin ten minutes ago: after the unit entered.
    await putRules(server, 'deqing-yuyue', [depot(hoursAround(-10, 180))]);
    await send(server, CAR.deviceId, parked(Date.now() - 2 * MIN, 60));
    expect(await storedAlerts(server)).toEqual([enter]);
    await server.close();

    server = await startAlertServer(t, { dataDir });
    await server.alerts.whenIdle();
    await send(server, CAR.deviceId, parked(Date.now() - MIN, 40));
    expect(await storedAlerts(server)).toEqual([enter]);
  });

  it('hours extended to now, off duty till then: a unit still inside enters once as when the hours begin, one that left off duty raises nothing', async (t) => {
    const server = await startAlertServer(t);
    // Watched from 3 h to 1 h ago: both units entered 2 h ago (one enter each) and stayed on.
    await putRules(server, 'deqing-yuyue', [depot(hoursAround(-180, -60))]);
    const t0 = Date.now() - 120 * MIN;
    await send(server, CAR.deviceId, [...track(t0, 2, line([-600, 0], [0, 0], 30)), ...parked(t0 + 90_000, 60)]);
    await send(server, FOOT.deviceId, [...track(t0, 2, line([600, 0], [0, 0], 30)), ...parked(t0 + 90_000, 60)]);
    const entered = await storedAlerts(server);
    expect(entered.map((a) => `${a.kind} ${a.unitId}`).sort()).toEqual([
      `zone_enter ${CAR.unitId}`,
      `zone_enter ${FOOT.unitId}`,
    ]);
    // Off duty: the foot patrol walks out half an hour ago.
    await send(server, FOOT.deviceId, track(Date.now() - 30 * MIN, 2, line([0, 0], [600, 0], 30), 5));

    // The commander extends the hours to an hour from now: the zone is watched again, from now.
    await putRules(server, 'deqing-yuyue', [depot(hoursAround(-180, 60))]);
    const now = Date.now();
    await send(server, CAR.deviceId, parked(now - MIN, 40));
    await send(server, FOOT.deviceId, parked(now - MIN, 40, 600));
    const added = (await storedAlerts(server)).filter((a) => !entered.some((e) => e.id === a.id));
    expect(added.map((a) => `${a.kind} ${a.unitId}`)).toEqual([`zone_enter ${CAR.unitId}`]);
    expect(added[0]!.time).toBeGreaterThanOrEqual(now - MIN);
  });
});
