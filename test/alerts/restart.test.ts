import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import { tempDir, type Teardown } from '../helpers/server.ts';
import { api } from '../live/live-helpers.ts';
import {
  CAR,
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

const zone = () => rule('deqing-yuyue', { id: 'depot', type: 'zone', polygon: square(200), trigger: 'both' });

/** A server on a data directory that outlives it (restarts), removed after the test. */
function sharedDir(t: Teardown): string {
  const dir = tempDir();
  t.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('alerts across a restart', () => {
  it('a restart in the middle of a stream neither doubles nor loses an alert', async (t) => {
    const dataDir = sharedDir(t);
    const t0 = Date.now() - 30 * 60_000;
    const fixes = track(t0, 2, line([-600, 0], [600, 0], 60));
    // Stop 4 s after the unit got clearly inside: the crossing is pending over the restart.
    const cut = fixes.findIndex((f) => f.at[0] > line([-185, 0], [-185, 0], 1)[0]![0]) + 2;

    let server = await startAlertServer(t, { dataDir });
    await putRules(server, 'deqing-yuyue', [zone()]);
    await send(server, CAR.deviceId, fixes.slice(0, cut));
    expect(await summary(server)).toEqual([]);
    await server.close();

    server = await startAlertServer(t, { dataDir });
    // The tracker re-sends what it had buffered, then goes on.
    await send(server, CAR.deviceId, fixes.slice(cut - 3, 40));
    expect(await summary(server)).toEqual([`zone_enter ${CAR.unitId} depot`]);
    const enter = (await storedAlerts(server))[0]!;
    await server.close();

    server = await startAlertServer(t, { dataDir });
    await send(server, CAR.deviceId, fixes.slice(35));
    const alerts = await storedAlerts(server);
    expect(alerts.map((a) => a.kind)).toEqual(['zone_enter', 'zone_exit']);
    expect(alerts[0]).toEqual(enter);
  });

  it('a unit inside a zone since before the replay window is not raised again by a restart, nor when it reports again', async (t) => {
    const dataDir = sharedDir(t);
    const settings = { dataDir, alertReplayMinutes: 10 };
    const t0 = Date.now() - 40 * 60_000;
    let server = await startAlertServer(t, settings);
    await putRules(server, 'deqing-yuyue', [zone()]);
    // In at t0 + ~1 min, then parked at the zone's centre for 30 minutes (past the 10-minute window).
    const parked = Array.from({ length: 180 }, (_, i) => ({
      time: t0 + 120_000 + i * 10_000,
      at: offset(0, 0),
      speedKmh: 0,
    }));
    await send(server, CAR.deviceId, [...track(t0, 2, line([-600, 0], [0, 0], 30)), ...parked]);
    expect(await summary(server)).toEqual([`zone_enter ${CAR.unitId} depot`]);
    await server.close();

    server = await startAlertServer(t, settings);
    await server.alerts.whenIdle();
    expect(await summary(server)).toEqual([`zone_enter ${CAR.unitId} depot`]);
    await server.close();

    // Silent inside the zone for longer than the window, then reporting from the same spot.
    server = await startAlertServer(t, { ...settings, alertReplayMinutes: 1 });
    await server.alerts.whenIdle();
    await send(server, CAR.deviceId, track(Date.now() - 120_000, 2, line([0, 0], [10, 0], 20), 0));
    expect(await summary(server)).toEqual([`zone_enter ${CAR.unitId} depot`]);
    // And it still leaves: one exit.
    await send(server, CAR.deviceId, track(Date.now() - 60_000, 2, line([10, 0], [-600, 0], 15), 40));
    expect(await summary(server)).toEqual([`zone_enter ${CAR.unitId} depot`, `zone_exit ${CAR.unitId} depot`]);
  });

  it('a long stop that began before the replay window and spans a restart is raised once', async (t) => {
    const dataDir = sharedDir(t);
    // A hazardous-goods truck parked for two hours (jitter ±10 m, one fix a minute), a 30-minute limit.
    const t0 = Date.now() - 125 * 60_000;
    const parked = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ time: from + i * 60_000, at: offset((i % 3) * 10 - 10, 0), speedKmh: 0 }));
    let server = await startAlertServer(t, { dataDir });
    await putRules(server, 'deqing-yuyue', [
      rule('deqing-yuyue', { id: 'stop-30', type: 'stop', maxStopMinutes: 30, area: null }),
    ]);
    await send(server, CAR.deviceId, [
      ...track(t0, 10, line([-2000, 0], [-10, 0], 10), 40),
      ...parked(t0 + 110_000, 110),
    ]);
    expect(await summary(server)).toEqual([`long_stop ${CAR.unitId} stop-30`]);
    const [stop] = await storedAlerts(server);
    await server.close();

    // The default window (60 minutes) opens long after the stop began.
    server = await startAlertServer(t, { dataDir });
    await server.alerts.whenIdle();
    await send(server, CAR.deviceId, parked(t0 + 110_000 + 110 * 60_000, 10));
    expect((await storedAlerts(server)).map((a) => a.id)).toEqual([stop!.id]);
    // A window shorter than the stop limit.
    await server.close();
    server = await startAlertServer(t, { dataDir, alertReplayMinutes: 5 });
    await server.alerts.whenIdle();
    expect(await summary(server)).toEqual([`long_stop ${CAR.unitId} stop-30`]);
  });

  it('an overspeed and an SOS alarm lasting longer than the replay window are raised once each across a restart', async (t) => {
    const dataDir = sharedDir(t);
    const settings = { dataDir, alertReplayMinutes: 10 };
    const t0 = Date.now() - 30 * 60_000;
    // 28 minutes at 90 km/h on a 60 km/h road, the SOS button held (alarm on every fix), one fix every 10 s.
    const fixes = (from: number, n: number, speedKmh = 90, alarm = true) =>
      Array.from({ length: n }, (_, i) => ({
        time: from + i * 10_000,
        at: offset(i * 250, 0),
        speedKmh,
        ...(alarm ? { alarm: 'sos' } : {}),
      }));
    let server = await startAlertServer(t, settings);
    await putRules(server, 'command', [rule('command', { id: 'limit-60', type: 'speed', limitKmh: 60, area: null })]);
    await send(server, CAR.deviceId, fixes(t0, 168));
    const before = await storedAlerts(server);
    expect(before.map((a) => a.kind).sort()).toEqual(['overspeed', 'sos']);
    await server.close();

    server = await startAlertServer(t, settings);
    await server.alerts.whenIdle();
    expect(await storedAlerts(server)).toEqual(before);
    // Still speeding with the button held, then slowing down (and letting go), then speeding again.
    await send(server, CAR.deviceId, fixes(t0 + 168 * 10_000, 6));
    expect(await storedAlerts(server)).toEqual(before);
    await send(server, CAR.deviceId, [...fixes(t0 + 174 * 10_000, 3, 40, false), ...fixes(t0 + 177 * 10_000, 3)]);
    expect((await summary(server)).sort()).toEqual([
      `overspeed ${CAR.unitId} limit-60`,
      `overspeed ${CAR.unitId} limit-60`,
      `sos ${CAR.unitId} -`,
      `sos ${CAR.unitId} -`,
    ]);
  });

  it('a stop not yet over its limit at a restart counts from its start even when the window is shorter', async (t) => {
    const dataDir = sharedDir(t);
    const settings = { dataDir, alertReplayMinutes: 5 };
    const t0 = Date.now() - 36 * 60_000;
    const parked = (from: number, to: number) =>
      Array.from({ length: Math.floor((to - from) / 60_000) + 1 }, (_, i) => ({
        time: from + i * 60_000,
        at: offset((i % 3) * 10 - 10, 0),
        speedKmh: 0,
      }));
    let server = await startAlertServer(t, settings);
    await putRules(server, 'deqing-yuyue', [
      rule('deqing-yuyue', { id: 'stop-30', type: 'stop', maxStopMinutes: 30, area: null }),
    ]);
    // Stopped 29 minutes when the server goes down; back after the 5-minute window has passed.
    await send(server, CAR.deviceId, [
      ...track(t0 - 100_000, 10, line([-2000, 0], [-10, 0], 10), 40),
      ...parked(t0, t0 + 29 * 60_000),
    ]);
    expect(await summary(server)).toEqual([]);
    await server.close();

    server = await startAlertServer(t, settings);
    await server.alerts.whenIdle();
    await send(server, CAR.deviceId, parked(t0 + 31 * 60_000, t0 + 33 * 60_000));
    const alerts = await storedAlerts(server);
    expect(alerts.map((a) => [a.kind, a.time, a.evidence.stopMinutes])).toEqual([['long_stop', t0 + 31 * 60_000, 31]]);
  });

  it('a zone crossing whose confirmation straddles the start of the replay window is raised once', async (t) => {
    const dataDir = sharedDir(t);
    // A 2-minute confirmation: the unit is clearly inside 11 minutes ago, confirmed 9 minutes ago,
    // and the restart's 10-minute window opens in between.
    const settings = { dataDir, alertReplayMinutes: 10, alertMinDurationS: 120 };
    const tIn = Date.now() - 11 * 60_000;
    const outside = track(tIn - 300_000, 10, line([-900, 0], [-300, 0], 29));
    const inside = track(tIn, 10, line([0, 0], [50, 0], 29), 5);
    let server = await startAlertServer(t, settings);
    await putRules(server, 'deqing-yuyue', [zone()]);
    await send(server, CAR.deviceId, [...outside, ...inside]);
    const before = await storedAlerts(server);
    expect(before.map((a) => a.kind)).toEqual(['zone_enter']);
    await server.close();

    server = await startAlertServer(t, settings);
    await server.alerts.whenIdle();
    expect(await storedAlerts(server)).toEqual(before);
  });

  it('an SOS press whose first fix arrived after its second is one alert, also after a restart', async (t) => {
    const dataDir = sharedDir(t);
    const fixes = track(Date.now() - 5 * 60_000, 10, line([0, 0], [0, 900], 9));
    for (const i of [3, 4, 5]) fixes[i]!.alarm = 'sos';
    let server = await startAlertServer(t, { dataDir });
    await send(server, CAR.deviceId, [...fixes.slice(0, 3), fixes[4]!, fixes[3]!, ...fixes.slice(5)]);
    const before = await storedAlerts(server);
    expect(before.map((a) => [a.kind, a.time])).toEqual([['sos', fixes[4]!.time]]);
    await server.close();

    server = await startAlertServer(t, { dataDir });
    await server.alerts.whenIdle();
    expect(await storedAlerts(server)).toEqual(before);
  });

  it('an alert whose fix was stored but which was not (a crash between the two) is raised at the next start', async (t) => {
    const dataDir = sharedDir(t);
    const t0 = Date.now() - 30 * 60_000;
    let server = await startAlertServer(t, { dataDir });
    await putRules(server, 'deqing-yuyue', [zone()]);
    await send(server, CAR.deviceId, track(t0, 2, line([-600, 0], [0, 0], 30)));
    const [enter] = await storedAlerts(server);
    expect(enter?.kind).toBe('zone_enter');
    // What a crash right after the fixes were written would have left.
    (server.ctx.storage as SqliteStorage).db.prepare('DELETE FROM alerts').run();
    await server.close();

    server = await startAlertServer(t, { dataDir });
    await server.alerts.whenIdle();
    const alerts = await storedAlerts(server);
    expect(alerts.map((a) => [a.id, a.kind, a.time])).toEqual([[enter!.id, 'zone_enter', enter!.time]]);
  });
});

describe('alerts across a restart, a unit with two trackers', () => {
  it('a late fix of the second tracker, passed over live, does not date the entry differently after a restart', async (t) => {
    const dataDir = sharedDir(t);
    let server = await startAlertServer(t, { dataDir });
    const { token } = await server.login('commander');
    const phone = await api(server, token, 'POST', '/api/devices', {
      id: 'phone-yuyue-car-01',
      stationId: CAR.stationId,
      unitId: CAR.unitId,
    });
    expect(phone.status).toBe(201);
    await putRules(server, 'deqing-yuyue', [zone()]);
    const t0 = Date.now() - 20 * 60_000;
    const fixes = track(t0, 2, line([-600, 0], [0, 0], 30));
    // Inside by more than the margin (15 m) from here on.
    const firstInside = fixes.findIndex((f) => f.at[0] > offset(-185, 0)[0]);
    // The car's tracker drives in…
    await send(server, CAR.deviceId, fixes);
    // …and the officer's phone reports late, from inside, a second before the car's first fix there.
    await send(server, 'phone-yuyue-car-01', [{ time: fixes[firstInside]!.time - 1_000, at: offset(-100, 0) }]);
    await send(
      server,
      CAR.deviceId,
      Array.from({ length: 12 }, (_, i) => ({ time: t0 + 60_000 + i * 5_000, at: offset(0, 0), speedKmh: 0 })),
    );
    const before = await storedAlerts(server);
    expect(before.map((a) => a.kind)).toEqual(['zone_enter']);
    await server.close();

    server = await startAlertServer(t, { dataDir });
    expect(await storedAlerts(server)).toEqual(before);
  });
});
