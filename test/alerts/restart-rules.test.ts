import { describe, expect, it } from 'vitest';
import {
  CAR,
  line,
  putRules,
  rule,
  send,
  square,
  startAlertServer,
  storedAlerts,
  summary,
  track,
} from './alert-helpers.ts';
import { depot, driveIn, expectOneEnterAcrossRestart, parked } from './depot-scene.test-support.ts';
import { restart, serverClock, sharedDir } from './restart.test-support.ts';

describe('a restart judges stored fixes only by rules that stood when they came in', () => {
  it('a speed rule created after a unit drove too fast raises no overspeed for that drive, live or after a restart', async (t) => {
    const dataDir = sharedDir(t);
    let server = await startAlertServer(t, { dataDir });
    await send(server, CAR.deviceId, track(Date.now() - 30 * 60_000, 5, line([-3000, 0], [300, 0], 24), 100));
    await putRules(server, 'deqing-yuyue', [
      rule('deqing-yuyue', { id: 'limit60', name: '限速60', type: 'speed', limitKmh: 60, area: null }),
    ]);
    server = await restart(t, server, { dataDir });
    expect(await summary(server)).toEqual([]);
  });

  it('a zone switched off while a unit drove through it and switched on again raises no enter or exit after a restart', async (t) => {
    const dataDir = sharedDir(t);
    let server = await startAlertServer(t, { dataDir });
    await putRules(server, 'deqing-yuyue', [depot({ enabled: false })]);
    await send(server, CAR.deviceId, track(Date.now() - 30 * 60_000, 2, line([-600, 0], [600, 0], 60)));
    await putRules(server, 'deqing-yuyue', [depot()]);
    server = await restart(t, server, { dataDir });
    expect(await summary(server)).toEqual([]);
  });

  it('a zone drawn around a parked unit raises one enter, raised by neither a restart nor the same stay reporting on', async (t) => {
    const dataDir = sharedDir(t);
    const server = await startAlertServer(t, { dataDir });
    const t0 = Date.now() - 30 * 60_000;
    await send(server, CAR.deviceId, driveIn(t0));
    await putRules(server, 'deqing-yuyue', [depot({ trigger: 'enter' })]);
    await send(server, CAR.deviceId, parked(t0 + 120_000, 60));
    // Still parked there, reporting on (the tracker's buffer, then live fixes).
    await expectOneEnterAcrossRestart(t, server, dataDir, () => [
      ...parked(t0 + 180_000, 60),
      ...parked(Date.now() - 60_000, 30),
    ]);
  });

  it('a zone drawn around a unit in the millisecond its last fix before came in raises one enter, also after a restart', async (t) => {
    const dataDir = sharedDir(t);
    const clock = serverClock(t);
    const server = await startAlertServer(t, { dataDir });
    const t0 = Date.now() - 30 * 60_000;
    const drive = driveIn(t0);
    await send(server, CAR.deviceId, drive.slice(0, -1));
    // Judged live without the zone; to the replay, received no earlier than the zone was stored.
    await clock.inOneMillisecond(async () => {
      await send(server, CAR.deviceId, drive.slice(-1));
      await putRules(server, 'deqing-yuyue', [depot({ trigger: 'enter' })]);
    });
    await send(server, CAR.deviceId, parked(t0 + 120_000, 60));
    await expectOneEnterAcrossRestart(t, server, dataDir, () => parked(t0 + 180_000, 60));
  });

  it('a zone drawn around a unit in the millisecond before its next fix came in raises one enter, also after a restart', async (t) => {
    const dataDir = sharedDir(t);
    const clock = serverClock(t);
    const server = await startAlertServer(t, { dataDir });
    const t0 = Date.now() - 30 * 60_000;
    await send(server, CAR.deviceId, driveIn(t0));
    // Judged live by the zone, as by the replay.
    await clock.inOneMillisecond(async () => {
      await putRules(server, 'deqing-yuyue', [depot({ trigger: 'enter' })]);
      await send(server, CAR.deviceId, parked(t0 + 120_000, 5));
    });
    await send(server, CAR.deviceId, parked(t0 + 125_000, 55));
    await expectOneEnterAcrossRestart(t, server, dataDir, () => parked(t0 + 180_000, 60));
  });

  it('a zone redrawn larger while a unit is inside raises nothing new, live or after a restart', async (t) => {
    const dataDir = sharedDir(t);
    const server = await startAlertServer(t, { dataDir });
    await putRules(server, 'deqing-yuyue', [depot()]);
    const t0 = Date.now() - 30 * 60_000;
    await send(server, CAR.deviceId, [...driveIn(t0), ...parked(t0 + 90_000, 30)]);
    // Redrawn: the unit's way in now lies inside too, so its track judged by the new zone enters earlier.
    await putRules(server, 'deqing-yuyue', [depot({ name: '油库（扩大）', polygon: square(700) })]);
    await send(server, CAR.deviceId, parked(t0 + 120_000, 60));
    await expectOneEnterAcrossRestart(t, server, dataDir, () => parked(t0 + 180_000, 60));
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
      ...driveIn(at(dayOne, 17)), // in at 17:00, within the hours
      ...track(at(dayOne, 19), 2, line([0, 0], [-600, 0], 30)), // out at 19:00, off duty
      ...parked(at(dayTwo, 7), 60, -600),
      ...parked(at(dayTwo, 8, 5), 60, -600), // still far outside at 08:05
    ]);
    expect(await summary(server)).toEqual([`zone_enter ${CAR.unitId} depot`]);
    server = await restart(t, server, settings(dataDir));
    expect(await summary(server)).toEqual([`zone_enter ${CAR.unitId} depot`]);
  });

  it('a unit inside a 08:00–18:00 zone when the hours begin raises one enter at 08:00 each day, live and after a restart alike', async (t) => {
    const dataDir = sharedDir(t);
    let server = await startAlertServer(t, settings(dataDir));
    await putRules(server, 'deqing-yuyue', [office()]);
    await send(server, CAR.deviceId, [
      ...driveIn(at(dayOne, 17)), // in at 17:00: an enter
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
    server = await restart(t, server, settings(dataDir));
    expect(await storedAlerts(server)).toEqual(live);
  });
});
