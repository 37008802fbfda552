import { rmSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { tempDir, type Teardown } from '../helpers/server.ts';
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

/** A server on a data directory that outlives it (restarts), removed after the test. */
function sharedDir(t: Teardown): string {
  const dir = tempDir();
  t.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const depot = (extra: Record<string, unknown> = {}) =>
  rule('deqing-yuyue', { id: 'depot', name: '油库', type: 'zone', polygon: square(200), trigger: 'both', ...extra });

/**
 * The clock of the servers the test starts afterwards (they run in this process, and read it as
 * `Date.now`): `inOneMillisecond(steps)` holds it at one millisecond while `steps` run, so the
 * fixes they send and the rules they store carry the same time, as on a fast machine.
 */
function serverClock(t: Teardown) {
  const real = Date.now.bind(Date);
  let held: number | null = null;
  const clock = vi.spyOn(Date, 'now').mockImplementation(() => held ?? real());
  t.onTestFinished(() => clock.mockRestore());
  return {
    async inOneMillisecond(steps: () => Promise<void>): Promise<void> {
      held = real();
      try {
        await steps();
      } finally {
        held = null;
      }
    },
  };
}

/** Fixes parked at `east` metres from the zone's centre, one every 5 s for `seconds`. */
const parked = (from: number, seconds: number, east = 0) =>
  Array.from({ length: seconds / 5 }, (_, i) => ({ time: from + i * 5_000, at: offset(east, 0), speedKmh: 0 }));

describe('a restart judges stored fixes only by rules that stood when they came in', () => {
  it('a speed rule created after a unit drove too fast raises no overspeed for that drive, live or after a restart', async (t) => {
    const dataDir = sharedDir(t);
    let server = await startAlertServer(t, { dataDir });
    await send(server, CAR.deviceId, track(Date.now() - 30 * 60_000, 5, line([-3000, 0], [300, 0], 24), 100));
    await putRules(server, 'deqing-yuyue', [
      rule('deqing-yuyue', { id: 'limit60', name: '限速60', type: 'speed', limitKmh: 60, area: null }),
    ]);
    await server.close();
    server = await startAlertServer(t, { dataDir });
    await server.alerts.whenIdle();
    expect(await summary(server)).toEqual([]);
  });

  it('a zone switched off while a unit drove through it and switched on again raises no enter or exit after a restart', async (t) => {
    const dataDir = sharedDir(t);
    let server = await startAlertServer(t, { dataDir });
    await putRules(server, 'deqing-yuyue', [depot({ enabled: false })]);
    await send(server, CAR.deviceId, track(Date.now() - 30 * 60_000, 2, line([-600, 0], [600, 0], 60)));
    await putRules(server, 'deqing-yuyue', [depot()]);
    await server.close();
    server = await startAlertServer(t, { dataDir });
    await server.alerts.whenIdle();
    expect(await summary(server)).toEqual([]);
  });

  it('a zone drawn around a parked unit raises one enter, raised by neither a restart nor the same stay reporting on', async (t) => {
    const dataDir = sharedDir(t);
    let server = await startAlertServer(t, { dataDir });
    const t0 = Date.now() - 30 * 60_000;
    await send(server, CAR.deviceId, track(t0, 2, line([-600, 0], [0, 0], 30), 30));
    await putRules(server, 'deqing-yuyue', [depot({ trigger: 'enter' })]);
    await send(server, CAR.deviceId, parked(t0 + 120_000, 60));
    const [enter] = await storedAlerts(server);
    expect(await summary(server)).toEqual([`zone_enter ${CAR.unitId} depot`]);
    await server.close();

    server = await startAlertServer(t, { dataDir });
    await server.alerts.whenIdle();
    // Still parked there, reporting on (the tracker's buffer, then live fixes).
    await send(server, CAR.deviceId, [...parked(t0 + 180_000, 60), ...parked(Date.now() - 60_000, 30)]);
    expect(await storedAlerts(server)).toEqual([enter]);
  });

  it('a zone drawn around a unit in the millisecond its last fix before came in raises one enter, also after a restart', async (t) => {
    const dataDir = sharedDir(t);
    const clock = serverClock(t);
    let server = await startAlertServer(t, { dataDir });
    const t0 = Date.now() - 30 * 60_000;
    const drive = track(t0, 2, line([-600, 0], [0, 0], 30), 30);
    await send(server, CAR.deviceId, drive.slice(0, -1));
    // Judged live without the zone; to the replay, received no earlier than the zone was stored.
    await clock.inOneMillisecond(async () => {
      await send(server, CAR.deviceId, drive.slice(-1));
      await putRules(server, 'deqing-yuyue', [depot({ trigger: 'enter' })]);
    });
    await send(server, CAR.deviceId, parked(t0 + 120_000, 60));
    const [enter] = await storedAlerts(server);
    expect(await summary(server)).toEqual([`zone_enter ${CAR.unitId} depot`]);
    await server.close();

    server = await startAlertServer(t, { dataDir });
    await server.alerts.whenIdle();
    await send(server, CAR.deviceId, parked(t0 + 180_000, 60));
    expect(await storedAlerts(server)).toEqual([enter]);
  });

  it('a zone drawn around a unit in the millisecond before its next fix came in raises one enter, also after a restart', async (t) => {
    const dataDir = sharedDir(t);
    const clock = serverClock(t);
    let server = await startAlertServer(t, { dataDir });
    const t0 = Date.now() - 30 * 60_000;
    await send(server, CAR.deviceId, track(t0, 2, line([-600, 0], [0, 0], 30), 30));
    // Judged live by the zone, as by the replay.
    await clock.inOneMillisecond(async () => {
      await putRules(server, 'deqing-yuyue', [depot({ trigger: 'enter' })]);
      await send(server, CAR.deviceId, parked(t0 + 120_000, 5));
    });
    await send(server, CAR.deviceId, parked(t0 + 125_000, 55));
    const [enter] = await storedAlerts(server);
    expect(await summary(server)).toEqual([`zone_enter ${CAR.unitId} depot`]);
    await server.close();

    server = await startAlertServer(t, { dataDir });
    await server.alerts.whenIdle();
    await send(server, CAR.deviceId, parked(t0 + 180_000, 60));
    expect(await storedAlerts(server)).toEqual([enter]);
  });

  it('a zone redrawn larger while a unit is inside raises nothing new, live or after a restart', async (t) => {
    const dataDir = sharedDir(t);
    let server = await startAlertServer(t, { dataDir });
    await putRules(server, 'deqing-yuyue', [depot()]);
    const t0 = Date.now() - 30 * 60_000;
    await send(server, CAR.deviceId, [...track(t0, 2, line([-600, 0], [0, 0], 30)), ...parked(t0 + 90_000, 30)]);
    // Redrawn: the unit's way in now lies inside too, so its track judged by the new zone enters earlier.
    await putRules(server, 'deqing-yuyue', [depot({ name: '油库（扩大）', polygon: square(700) })]);
    await send(server, CAR.deviceId, parked(t0 + 120_000, 60));
    const [enter] = await storedAlerts(server);
    expect(await summary(server)).toEqual([`zone_enter ${CAR.unitId} depot`]);
    await server.close();

    server = await startAlertServer(t, { dataDir });
    await server.alerts.whenIdle();
    await send(server, CAR.deviceId, parked(t0 + 180_000, 60));
    expect(await storedAlerts(server)).toEqual([enter]);
  });
});

describe('active hours', () => {
  const CST = 8 * 3600_000;
  // Two days ago and yesterday, 00:00 China time: every fix lies in the past whenever the test runs.
  const today = Math.floor((Date.now() + CST) / 86_400_000) * 86_400_000 - CST;
  const dayOne = today - 2 * 86_400_000;
  const dayTwo = today - 86_400_000;
  const at = (day: number, h: number, m = 0) => day + h * 3600_000 + m * 60_000;
  const office = () => depot({ activeHours: { from: '08:00', to: '18:00' } });
  /** Replay window reaching back over both days. */
  const settings = (dataDir: string) => ({ dataDir, alertReplayMinutes: 4 * 24 * 60 });

  it('a unit that left a 08:00–18:00 zone at 19:00 raises no exit when the hours begin next day, live or after a restart', async (t) => {
    const dataDir = sharedDir(t);
    let server = await startAlertServer(t, settings(dataDir));
    await putRules(server, 'deqing-yuyue', [office()]);
    await send(server, CAR.deviceId, [
      ...track(at(dayOne, 17), 2, line([-600, 0], [0, 0], 30)), // in at 17:00, within the hours
      ...track(at(dayOne, 19), 2, line([0, 0], [-600, 0], 30)), // out at 19:00, off duty
      ...parked(at(dayTwo, 7), 60, -600),
      ...parked(at(dayTwo, 8, 5), 60, -600), // still far outside at 08:05
    ]);
    expect(await summary(server)).toEqual([`zone_enter ${CAR.unitId} depot`]);
    await server.close();
    server = await startAlertServer(t, settings(dataDir));
    await server.alerts.whenIdle();
    expect(await summary(server)).toEqual([`zone_enter ${CAR.unitId} depot`]);
  });

  it('a unit inside a 08:00–18:00 zone when the hours begin raises one enter at 08:00 each day, live and after a restart alike', async (t) => {
    const dataDir = sharedDir(t);
    let server = await startAlertServer(t, settings(dataDir));
    await putRules(server, 'deqing-yuyue', [office()]);
    await send(server, CAR.deviceId, [
      ...track(at(dayOne, 17), 2, line([-600, 0], [0, 0], 30)), // in at 17:00: an enter
      ...parked(at(dayOne, 19), 60), // parked inside overnight
      ...parked(at(dayTwo, 7, 59), 120), // still inside when the hours begin: an enter at 08:00
      ...track(at(dayTwo, 12), 2, line([0, 0], [-600, 0], 30)), // out at 12:00: an exit
    ]);
    const live = await storedAlerts(server);
    const CSTtime = (a: { time: number }) => new Date(a.time + CST).toISOString().slice(11, 16);
    expect(live.map((a) => `${a.kind} ${CSTtime(a)}`)).toEqual([
      'zone_enter 17:00',
      'zone_enter 08:00',
      'zone_exit 12:00',
    ]);
    await server.close();
    server = await startAlertServer(t, settings(dataDir));
    await server.alerts.whenIdle();
    expect(await storedAlerts(server)).toEqual(live);
  });
});
