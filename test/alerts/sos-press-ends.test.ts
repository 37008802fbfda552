import { describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.ts';
import { CAR, offset, send, startAlertServer, storedAlerts } from './alert-helpers.ts';
import { restart, sharedDir } from './restart.test-support.ts';
import { addTracker, iso, noFix, report, resolveSos } from './sos-reports.test-support.ts';

/** 禹越巡01's second tracker: the officer's phone. */
const PHONE = 'demo-yuyue-01-phone';

/** The stored SOS alerts, oldest first: their time and the device each names. */
const sos = async (server: TestServer) =>
  (await storedAlerts(server)).filter((a) => a.kind === 'sos').map((a) => [a.time, a.evidence.deviceId]);

describe('an SOS press whose device went silent', () => {
  it('resolved by the commander: the car’s panic button and the phone pressed again are each an SOS', async (t) => {
    const server = await startAlertServer(t);
    await addTracker(server, PHONE, CAR);
    const t0 = Date.now() - 10 * 60_000;
    // The phone presses SOS without a lock, then is lost: it never reports again.
    await noFix(server, t0, true, PHONE);
    const fixes = Array.from({ length: 41 }, (_, i) => ({ time: t0 + 5_000 + i * 5_000, at: offset(0, i) }));
    await send(server, CAR.deviceId, fixes);
    await resolveSos(server, t0);
    // The partner presses the car's panic button (two alarm fixes), then the phone is found and pressed.
    const car = t0 + 300_000;
    await send(server, CAR.deviceId, [
      { time: car, at: offset(0, 50), alarm: 'sos' },
      { time: car + 5_000, at: offset(0, 51), alarm: 'sos' },
    ]);
    await noFix(server, car + 10_000, true, PHONE);
    expect(await sos(server)).toEqual([
      [t0, PHONE],
      [car, CAR.deviceId],
      [car + 10_000, PHONE],
    ]);
    // Each is one press: sent on, neither raises again.
    await send(server, CAR.deviceId, [{ time: car + 15_000, at: offset(0, 52), alarm: 'sos' }]);
    await noFix(server, car + 20_000, true, PHONE);
    expect(await sos(server)).toHaveLength(3);
  });

  it('resolved before a restart: no press is held after it, the phone pressed again is an SOS', async (t) => {
    const dataDir = sharedDir(t);
    let server = await startAlertServer(t, { dataDir });
    await addTracker(server, PHONE, CAR);
    const t0 = Date.now() - 5 * 60_000;
    await send(server, CAR.deviceId, [{ time: t0, at: offset(0, 0) }]);
    await noFix(server, t0 + 10_000, true, PHONE);
    await resolveSos(server, t0 + 10_000);
    server = await restart(t, server, { dataDir });
    await noFix(server, t0 + 60_000, true, PHONE);
    expect(await sos(server)).toEqual([
      [t0 + 10_000, PHONE],
      [t0 + 60_000, PHONE],
    ]);
  });
});

describe('a tracker whose clock runs hours ahead', () => {
  it('its report without the alarm ends its press (dated on arrival, as its alarms are): the next alarm is a second SOS', async (t) => {
    const server = await startAlertServer(t);
    const ahead = () => iso(Date.now() + 8 * 3600_000);
    const at = { lat: 30.5, lon: 120.3 };
    await report(server, CAR.deviceId, { ...at, timestamp: ahead(), alarm: 'sos' });
    await report(server, CAR.deviceId, { ...at, timestamp: ahead() });
    await report(server, CAR.deviceId, { ...at, timestamp: ahead(), alarm: 'sos' });
    expect(await sos(server)).toHaveLength(2);
    // Nothing of its wrong times is stored as a fix.
    const times = (await storedAlerts(server)).map((a) => a.time);
    expect(Math.max(...times)).toBeLessThan(Date.now() + 60_000);
  });
});
