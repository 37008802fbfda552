import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { unitKey } from '@jointmap/shared';
import { startServer } from '../helpers/server.ts';
import { alertViewer, CAR, FOOT, offset, send, storedAlerts } from '../alerts/alert-helpers.ts';
import { addTracker, heartbeat, noFix } from '../alerts/sos-reports.test-support.ts';
import { eventually } from '../live/live-helpers.ts';
import { SHARED_REDIS_URL, startPair } from './live-pair.ts';

describe('an SOS sent without a position, over two instances', () => {
  it("reaches the other instance's alert engine: the press it carries on with a position is still one SOS", async (t) => {
    const { a, b } = await startPair(t, { ingestRatePerSecond: 1000, ingestRateBurst: 1000, alertCheckMs: 3600_000 });
    const t0 = Date.now() - 60_000;
    await send(a, CAR.deviceId, [{ time: t0, at: offset(0, 0) }]);
    // No GPS lock: the alarm at lat 0, lon 0, on instance A.
    await noFix(a, t0 + 10_000, true);
    // Redis delivers A's messages to B in order: once B shows a fix sent after it, B has heard the alarm.
    const onB = await alertViewer(t, b, 'commander');
    await send(a, FOOT.deviceId, [{ time: t0 + 15_000, at: offset(50, 0) }]);
    await eventually(() => onB.latest.has(unitKey(FOOT.stationId, FOOT.unitId)), 5_000, "B's relayed fix");
    // The lock is back and the tracker still sends the alarm, through instance B.
    await send(b, CAR.deviceId, [{ time: t0 + 20_000, at: offset(10, 0), alarm: 'sos' }]);
    await Promise.all([a.alerts.whenIdle(), b.alerts.whenIdle()]);
    const sos = (await storedAlerts(a)).filter((x) => x.kind === 'sos');
    expect(sos.map((x) => [x.time, x.lngLat, x.evidence])).toEqual([
      [t0 + 10_000, offset(0, 0), { alarm: 'sos', position: 'last_known', positionTime: t0, deviceId: CAR.deviceId }],
    ]);
  });

  it('an instance started while the press is held raises no second SOS; its end, stored in PostgreSQL, lets the next press be raised', async (t) => {
    const settings = { ingestRatePerSecond: 1000, ingestRateBurst: 1000, alertCheckMs: 3600_000 };
    const { a, prefix, databaseUrl } = await startPair(t, settings);
    const t0 = Date.now() - 60_000;
    await send(a, CAR.deviceId, [{ time: t0, at: offset(0, 0) }]);
    await noFix(a, t0 + 10_000, true);
    const c = await startServer(null, { ...settings, databaseUrl, redisUrl: SHARED_REDIS_URL, redisPrefix: prefix });
    t.onTestFinished(async () => {
      await c.close();
      rmSync(c.dataDir, { recursive: true, force: true });
    });
    await c.alerts.whenIdle();
    // The lock is back and the tracker still sends the alarm, through the instance started since.
    await send(c, CAR.deviceId, [{ time: t0 + 20_000, at: offset(10, 0), alarm: 'sos' }]);
    const sos = async () =>
      (await storedAlerts(a)).filter((x) => x.kind === 'sos').map((x) => [x.time, x.evidence.pressEndedAt ?? null]);
    expect(await sos()).toEqual([[t0 + 10_000, null]]);
    // Lost again, the press ends; a late alarm fix after that end is a second press.
    await noFix(a, t0 + 25_000, false);
    await Promise.all([a.alerts.whenIdle(), c.alerts.whenIdle()]);
    await send(a, CAR.deviceId, [{ time: t0 + 40_000, at: offset(10, 0) }]);
    await send(c, CAR.deviceId, [{ time: t0 + 30_000, at: offset(10, 0), alarm: 'sos' }]);
    await Promise.all([a.alerts.whenIdle(), c.alerts.whenIdle()]);
    expect(await sos()).toEqual([
      [t0 + 10_000, t0 + 25_000],
      [t0 + 30_000, null],
    ]);
  });

  it("an instance started while a unit's phone holds a press, its car reporting since, holds that press: no second SOS, its heartbeat ends it", async (t) => {
    const settings = { ingestRatePerSecond: 1000, ingestRateBurst: 1000, alertCheckMs: 3600_000 };
    const { a, prefix, databaseUrl } = await startPair(t, settings);
    const phone = 'demo-yuyue-01-phone';
    await addTracker(a, phone, CAR);
    const t0 = Date.now() - 60_000;
    await send(a, CAR.deviceId, [{ time: t0, at: offset(0, 0) }]);
    await noFix(a, t0 + 10_000, true, phone);
    await send(a, CAR.deviceId, [{ time: t0 + 20_000, at: offset(0, 20) }]);
    const c = await startServer(null, { ...settings, databaseUrl, redisUrl: SHARED_REDIS_URL, redisPrefix: prefix });
    t.onTestFinished(async () => {
      await c.close();
      rmSync(c.dataDir, { recursive: true, force: true });
    });
    await c.alerts.whenIdle();
    const sos = async () =>
      (await storedAlerts(a)).filter((x) => x.kind === 'sos').map((x) => [x.time, x.evidence.pressEndedAt ?? null]);
    // The phone sends the alarm on, through the instance started since.
    await noFix(c, t0 + 40_000, true, phone);
    await Promise.all([a.alerts.whenIdle(), c.alerts.whenIdle()]);
    expect(await sos()).toEqual([[t0 + 10_000, null]]);
    // Its heartbeat, through that instance too, is relayed (its engine holds the press) and ends it.
    const onA = await alertViewer(t, a, 'commander');
    await heartbeat(c, phone, t0 + 50_000, false);
    // Redis delivers C's messages in order: once A shows a fix sent after it, A has heard the heartbeat.
    await send(c, FOOT.deviceId, [{ time: t0 + 55_000, at: offset(50, 0) }]);
    await eventually(() => onA.latest.has(unitKey(FOOT.stationId, FOOT.unitId)), 5_000, "C's relayed fix");
    await Promise.all([a.alerts.whenIdle(), c.alerts.whenIdle()]);
    await noFix(a, t0 + 60_000, true, phone);
    await Promise.all([a.alerts.whenIdle(), c.alerts.whenIdle()]);
    expect(await sos()).toEqual([
      [t0 + 10_000, t0 + 50_000],
      [t0 + 60_000, null],
    ]);
  });

  it('a heartbeat without the alarm, on the other instance, ends a press begun by a heartbeat with it: the next SOS is raised', async (t) => {
    const { a, b } = await startPair(t, { ingestRatePerSecond: 1000, ingestRateBurst: 1000, alertCheckMs: 3600_000 });
    const sos = async () =>
      (await storedAlerts(a)).filter((x) => x.kind === 'sos').map((x) => [x.time, x.evidence.pressEndedAt ?? null]);
    const [onA, onB] = [await alertViewer(t, a, 'commander'), await alertViewer(t, b, 'commander')];
    const car = unitKey(CAR.stationId, CAR.unitId);
    /** Redis delivers an instance's messages in order: once the other shows a fix sent after them, it heard them. */
    const heardOn = async (from: typeof a, viewer: typeof onA, time: number) => {
      await send(from, CAR.deviceId, [{ time, at: offset(0, 0) }]);
      await eventually(() => viewer.latest.get(car)?.time === time, 5_000, 'the relayed fix');
    };
    const t0 = Date.now() - 15 * 60_000;
    // A phone that never had a fix presses SOS through A; B's engine hears it over Redis.
    await heartbeat(a, FOOT.deviceId, t0, true);
    await heardOn(a, onB, t0 + 1_000);
    // Its next heartbeat, without the alarm, comes through B: relayed (B's engine holds the press) and heard by A.
    await heartbeat(b, FOOT.deviceId, t0 + 30_000, false);
    await heardOn(b, onA, t0 + 31_000);
    await Promise.all([a.alerts.whenIdle(), b.alerts.whenIdle()]);
    // Ten minutes later, the second press, through A.
    await heartbeat(a, FOOT.deviceId, t0 + 10 * 60_000, true);
    await heardOn(a, onB, t0 + 10 * 60_000 + 1_000);
    await Promise.all([a.alerts.whenIdle(), b.alerts.whenIdle()]);
    expect(await sos()).toEqual([
      [t0, t0 + 30_000],
      [t0 + 10 * 60_000, null],
    ]);
  });
});
