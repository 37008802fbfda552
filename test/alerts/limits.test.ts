import { describe, expect, it } from 'vitest';
import { eventually } from '../live/live-helpers.ts';
import {
  alertViewer,
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
  YUNHE_CAR,
} from './alert-helpers.ts';

/** A hazardous-goods route: 2 km east along the canal road, 100 m wide, bound to 运河巡01. */
const route = (extra: Record<string, unknown> = {}) =>
  rule('linping-yunhe', {
    id: 'hazmat-route',
    type: 'corridor',
    line: { type: 'LineString', coordinates: [offset(-1000, 0), offset(1000, 0)] },
    widthM: 100,
    units: [{ stationId: YUNHE_CAR.stationId, unitId: YUNHE_CAR.unitId }],
    ...extra,
  });

describe('corridors, speed limits, stops, signal loss and SOS', () => {
  it('a vehicle that leaves its route corridor raises one corridor_leave with the distance outside', async (t) => {
    const server = await startAlertServer(t);
    await putRules(server, 'linping-yunhe', [route()]);
    const t0 = Date.now() - 30 * 60_000;
    // On the road, a detour 300 m north and back, on the road again (wobbling ±30 m inside).
    const points = [
      ...line([-1000, 0], [-200, 30], 40),
      ...line([-200, 30], [0, 300], 20),
      ...line([0, 300], [200, -30], 20),
      ...line([200, -30], [1000, 0], 40),
    ];
    await send(server, YUNHE_CAR.deviceId, track(t0, 2, points, 40));
    const alerts = await storedAlerts(server);
    expect(alerts.map((a) => `${a.kind} ${a.unitId} ${a.ruleId}`)).toEqual([
      `corridor_leave ${YUNHE_CAR.unitId} hazmat-route`,
    ]);
    expect(alerts[0]!.evidence.distanceM).toBeGreaterThan(15);
    // 禹越's car is not bound to the route: driving off it raises nothing.
    await send(server, CAR.deviceId, track(t0, 2, line([0, 0], [0, 500], 30), 40));
    expect(await summary(server)).toHaveLength(1);
  });

  it('overspeed needs the minimum duration over the limit, and holds one alert per episode', async (t) => {
    const server = await startAlertServer(t);
    await putRules(server, 'command', [
      rule('command', { id: 'limit-60', type: 'speed', limitKmh: 60, area: null, unitKinds: ['car'] }),
      rule('command', { id: 'site-20', type: 'speed', limitKmh: 20, area: square(300, offset(5000, 0)) }),
    ]);
    const t0 = Date.now() - 30 * 60_000;
    const speeds = [
      ...Array<number>(10).fill(50),
      // 8 s over: no alert; then riding the limit 59/61 every other fix: no alert.
      ...Array<number>(4).fill(75),
      ...Array.from({ length: 20 }, (_, i) => (i % 2 ? 61 : 59)),
      // 20 s at 80, back to 50, then 20 s at 90 again: two episodes.
      ...Array<number>(10).fill(80),
      ...Array<number>(10).fill(50),
      ...Array<number>(10).fill(90),
    ];
    await send(
      server,
      CAR.deviceId,
      speeds.map((speedKmh, i) => ({ time: t0 + i * 2000, at: offset(i * 30, 0), speedKmh })),
    );
    const alerts = await storedAlerts(server);
    expect(alerts.map((a) => [a.kind, a.ruleId, a.evidence.limitKmh])).toEqual([
      ['overspeed', 'limit-60', 60],
      ['overspeed', 'limit-60', 60],
    ]);
    expect(alerts[0]!.evidence.speedKmh).toBeCloseTo(80, 0);
    // Inside the site (limit 20) at 30 km/h for 20 s: the area limit fires; outside it, it does not.
    await send(server, CAR.deviceId, track(t0 + 10 * 60_000, 2, line([4900, 0], [5100, 0], 10), 30));
    expect((await summary(server)).slice(2)).toEqual([`overspeed ${CAR.unitId} site-20`]);
  });

  it('a unit standing still longer than the stop limit raises one long_stop; moving on starts a new stop', async (t) => {
    const server = await startAlertServer(t);
    await putRules(server, 'linping-yunhe', [
      rule('linping-yunhe', { id: 'stop-5', type: 'stop', maxStopMinutes: 5, area: null }),
    ]);
    const t0 = Date.now() - 60 * 60_000;
    // 8 minutes parked (jitter ±10 m), one fix every 10 s.
    const parked = (start: number, at: [number, number]) =>
      Array.from({ length: 48 }, (_, i) => ({
        time: start + i * 10_000,
        at: offset(at[0] + (i % 3) * 10 - 10, at[1]),
        speedKmh: 0,
      }));
    await send(server, YUNHE_CAR.deviceId, parked(t0, [0, 0]));
    await send(server, YUNHE_CAR.deviceId, parked(t0 + 9 * 60_000, [2000, 0]));
    const alerts = await storedAlerts(server);
    expect(alerts.map((a) => a.kind)).toEqual(['long_stop', 'long_stop']);
    expect(alerts[0]!.evidence.stopMinutes).toBeGreaterThanOrEqual(5);
    expect(alerts[0]!.time - t0).toBe(30 * 10_000);
  });

  it('signal loss is raised by the timer while the unit is silent, once, and arrives on a live client', async (t) => {
    const server = await startAlertServer(t, { alertCheckMs: 100 });
    await putRules(server, 'deqing-yuyue', [rule('deqing-yuyue', { id: 'silent-2', type: 'signal', noFixMinutes: 2 })]);
    const viewer = await alertViewer(t, server, 'commander');
    const last = Date.now() - 3 * 60_000;
    await send(server, CAR.deviceId, [{ time: last, at: offset(0, 0) }]);
    await eventually(
      () => viewer.alerts.some((m) => !m.full && m.alerts[0]?.kind === 'signal_loss'),
      5_000,
      'signal loss',
    );
    // Several more timer rounds: still one.
    await new Promise((r) => setTimeout(r, 500));
    const alerts = await storedAlerts(server);
    expect(alerts.map((a) => [a.kind, a.unitId, a.time, a.evidence.silentMinutes])).toEqual([
      ['signal_loss', CAR.unitId, last + 2 * 60_000, 2],
    ]);
    // Back, and silent again: a second episode.
    const back = Date.now() - 2.5 * 60_000;
    await send(server, CAR.deviceId, [{ time: back, at: offset(0, 0) }]);
    await new Promise((r) => setTimeout(r, 500));
    expect((await storedAlerts(server)).map((a) => a.time)).toEqual([last + 2 * 60_000, back + 2 * 60_000]);
  });

  it('an SOS from the tracker is raised without any rule, once per press, even from a late fix', async (t) => {
    const server = await startAlertServer(t);
    const viewer = await alertViewer(t, server, 'wall');
    const t0 = Date.now() - 10 * 60_000;
    const fixes = track(t0, 2, line([0, 0], [100, 0], 10), 20);
    fixes[3]!.alarm = 'sos';
    fixes[4]!.alarm = 'sos';
    fixes[8]!.alarm = 'sos';
    // Fix 8 (the second press) arrives after fix 9; then fixes 3, 8 and 4 (the first press's second
    // fix, re-sent once that press is over) are sent again.
    await send(server, CAR.deviceId, [
      ...fixes.slice(0, 8),
      fixes[9]!,
      fixes[8]!,
      fixes[10]!,
      fixes[3]!,
      fixes[8]!,
      fixes[4]!,
    ]);
    const alerts = await storedAlerts(server);
    expect(alerts.map((a) => [a.kind, a.ruleId, a.time, a.evidence.alarm])).toEqual([
      ['sos', null, fixes[3]!.time, 'sos'],
      ['sos', null, fixes[8]!.time, 'sos'],
    ]);
    await eventually(() => viewer.alerts.filter((m) => !m.full).length === 2, 5_000, 'sos pushed');
  });
});
