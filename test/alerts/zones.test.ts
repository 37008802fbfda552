import { describe, expect, it } from 'vitest';
import { eventually } from '../live/live-helpers.ts';
import {
  alertViewer,
  CAR,
  deleteRule,
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

/** A 400 m square restricted zone (blasting area) around ORIGIN, in 禹越's document. */
const blastZone = (trigger = 'both', extra: Record<string, unknown> = {}) =>
  rule('deqing-yuyue', { id: 'blast', type: 'zone', polygon: square(200), trigger, ...extra });

describe('restricted zones', () => {
  it('a unit that drives in and out raises exactly one enter and one exit, pushed to a live client', async (t) => {
    const server = await startAlertServer(t);
    await putRules(server, 'deqing-yuyue', [blastZone()]);
    const viewer = await alertViewer(t, server, 'deqing');
    await eventually(() => viewer.alerts.some((m) => m.full), 5_000, 'full alerts message on join');
    expect(viewer.alerts[0]!.alerts).toEqual([]);

    const t0 = Date.now() - 20 * 60_000;
    // West to east through the zone, 20 m per 2 s: in at x=-200, out at x=+200.
    await send(server, CAR.deviceId, track(t0, 2, line([-600, 0], [600, 0], 60)));
    const alerts = await storedAlerts(server);
    expect(alerts.map((a) => [a.kind, a.unitId, a.stationId, a.ruleId, a.ruleScope, a.state])).toEqual([
      ['zone_enter', CAR.unitId, CAR.stationId, 'blast', 'deqing-yuyue', 'open'],
      ['zone_exit', CAR.unitId, CAR.stationId, 'blast', 'deqing-yuyue', 'open'],
    ]);
    // Raised only once the unit was clearly (margin 15 m) inside for the minimum 10 s.
    const enter = alerts[0]!;
    expect(enter.time - t0).toBeGreaterThanOrEqual(((600 - 200 + 15) / 20) * 2000 + 10_000);
    expect(enter.lngLat[0]).toBeGreaterThan(offset(-200, 0)[0]);
    expect(enter.evidence.distanceM).toBeGreaterThan(15);

    await eventually(() => viewer.alerts.flatMap((m) => (m.full ? [] : m.alerts)).length === 2, 5_000, 'alerts live');
    expect(viewer.alerts.filter((m) => !m.full).map((m) => m.alerts.map((a) => a.id))).toEqual([
      [alerts[0]!.id],
      [alerts[1]!.id],
    ]);
  });

  it('a unit riding the boundary (GPS jitter within the margin, short excursions) never flaps', async (t) => {
    const server = await startAlertServer(t);
    await putRules(server, 'deqing-yuyue', [blastZone()]);
    const t0 = Date.now() - 20 * 60_000;
    // Along the west edge for 5 minutes, ±12 m around it, and every minute 25 m inside for 6 s.
    const fixes = Array.from({ length: 150 }, (_, i) => {
      const excursion = i % 30 < 3;
      const x = excursion ? -175 : -200 + (i % 2 ? 12 : -12);
      return { time: t0 + i * 2000, at: offset(x, -150 + i * 2), speedKmh: 10 };
    });
    await send(server, CAR.deviceId, fixes);
    expect(await summary(server)).toEqual([]);
  });

  it('duplicate and out-of-order fixes, and a GPS gap, raise each alert once', async (t) => {
    const server = await startAlertServer(t);
    await putRules(server, 'deqing-yuyue', [blastZone()]);
    const t0 = Date.now() - 20 * 60_000;
    const outside = track(t0, 2, line([-600, 0], [-300, 0], 10));
    const inside = track(t0 + 30_000, 2, line([-100, 0], [0, 0], 10));
    // Sent again (a tracker re-sending its buffer), then older fixes from outside arriving late.
    await send(server, CAR.deviceId, [...outside, ...inside, ...inside, ...outside.slice(3, 8)]);
    // Silent for 10 minutes (a tunnel), then far outside to the east: one exit after the minimum duration.
    const after = track(t0 + 12 * 60_000, 2, line([900, 0], [1000, 0], 10));
    await send(server, CAR.deviceId, [...after, after[2]!, ...after.slice(0, 4)]);
    expect(await summary(server)).toEqual([`zone_enter ${CAR.unitId} blast`, `zone_exit ${CAR.unitId} blast`]);
  });

  it('zone rules watch only the unit kinds they name, and enter-only zones raise no exit', async (t) => {
    const server = await startAlertServer(t);
    await putRules(server, 'deqing-yuyue', [blastZone('enter', { unitKinds: ['foot'] })]);
    const t0 = Date.now() - 20 * 60_000;
    const through = line([-600, 0], [600, 0], 60);
    await send(server, CAR.deviceId, track(t0, 2, through));
    await send(server, FOOT.deviceId, track(t0, 2, through, 5));
    expect(await summary(server)).toEqual([`zone_enter ${FOOT.unitId} blast`]);
  });

  it('a rule edited while a unit is inside raises nothing new; disabled, nothing; enabled again with the unit inside, one new enter', async (t) => {
    const server = await startAlertServer(t);
    await putRules(server, 'deqing-yuyue', [blastZone()]);
    let time = Date.now() - 30 * 60_000;
    const stay = async (x: number, seconds: number) => {
      const fixes = Array.from({ length: seconds / 2 }, (_, i) => ({
        time: time + i * 2000,
        at: offset(x, 0),
        speedKmh: 0,
      }));
      time += seconds * 1000;
      await send(server, CAR.deviceId, fixes);
    };
    await stay(-400, 20);
    await stay(0, 20);
    expect(await summary(server)).toEqual([`zone_enter ${CAR.unitId} blast`]);

    // Renamed and made larger: the unit is still inside.
    await putRules(server, 'deqing-yuyue', [{ ...blastZone(), name: '爆破区（扩大）', polygon: square(300) }]);
    await stay(50, 20);
    // Disabled: leaving and coming back raise nothing.
    await putRules(server, 'deqing-yuyue', [{ ...blastZone(), enabled: false }]);
    await stay(-800, 20);
    await stay(0, 20);
    expect(await summary(server)).toHaveLength(1);
    // Armed again while the unit is inside: that is a unit in a restricted zone.
    await putRules(server, 'deqing-yuyue', [blastZone()]);
    await stay(0, 20);
    // Deleted while inside: leaving raises nothing.
    await deleteRule(server, 'deqing-yuyue', 'blast');
    await stay(-800, 20);
    const alerts = await storedAlerts(server);
    expect(alerts.map((a) => a.kind)).toEqual(['zone_enter', 'zone_enter']);
    expect(alerts[0]!.id).not.toBe(alerts[1]!.id);
  });

  it('a station rule never watches another station’s units; a command rule watches every unit', async (t) => {
    const server = await startAlertServer(t);
    await putRules(server, 'linping-yunhe', [
      rule('linping-yunhe', { id: 'yh-zone', type: 'zone', polygon: square(200), trigger: 'enter' }),
    ]);
    await putRules(server, 'command', [
      rule('command', { id: 'cmd-zone', type: 'zone', polygon: square(200), trigger: 'enter' }),
    ]);
    await send(server, CAR.deviceId, track(Date.now() - 20 * 60_000, 2, line([-600, 0], [0, 0], 30)));
    expect(await summary(server)).toEqual([`zone_enter ${CAR.unitId} cmd-zone`]);
  });
});
