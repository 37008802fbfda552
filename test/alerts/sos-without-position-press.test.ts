import { describe, expect, it } from 'vitest';
import type { Alert } from '@jointmap/shared';
import { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import { startServer, type TestServer } from '../helpers/server.ts';
import { CAR, offset, send, startAlertServer, storedAlerts } from './alert-helpers.ts';
import { restart, sharedDir } from './restart.test-support.ts';
import { noFix } from './sos-reports.test-support.ts';

/** Where 禹越巡01 last had a GPS lock. */
const LAST = offset(120, 40);

/** The times of the stored SOS alerts, oldest first, and whether each press's end was recorded. */
const sos = async (server: TestServer) =>
  (await storedAlerts(server)).filter((a) => a.kind === 'sos').map((a) => [a.time, a.evidence.pressEndedAt ?? null]);

describe('an SOS press begun without a position', () => {
  it('ended by a report without a position: a later alarm fix that comes late is a new press, raised', async (t) => {
    const server = await startAlertServer(t);
    const t0 = Date.now() - 60_000;
    await send(server, CAR.deviceId, [{ time: t0, at: LAST }]);
    await noFix(server, t0 + 10_000, true);
    await noFix(server, t0 + 15_000, false);
    await send(server, CAR.deviceId, [{ time: t0 + 30_000, at: LAST }]);
    // A second press, with a lock: its fix comes late.
    await send(server, CAR.deviceId, [{ time: t0 + 20_000, at: LAST, alarm: 'sos' }]);
    expect(await sos(server)).toEqual([
      [t0 + 10_000, t0 + 15_000],
      [t0 + 20_000, null],
    ]);
  });

  it('held across a restart: the alarm sent on, without a position or with one, is the same press', async (t) => {
    for (const carriedOn of ['positionless', 'positioned'] as const) {
      const dataDir = sharedDir(t);
      let server = await startAlertServer(t, { dataDir });
      const t0 = Date.now() - 5 * 60_000;
      await send(server, CAR.deviceId, [{ time: t0, at: LAST }]);
      await noFix(server, t0 + 10_000, true);
      server = await restart(t, server, { dataDir });
      if (carriedOn === 'positionless') await noFix(server, t0 + 20_000, true);
      else await send(server, CAR.deviceId, [{ time: t0 + 20_000, at: LAST, alarm: 'sos' }]);
      expect(await sos(server), carriedOn).toEqual([[t0 + 10_000, null]]);
      await server.close();
    }
  });

  it('ended before a restart: the next press after it is raised', async (t) => {
    const dataDir = sharedDir(t);
    let server = await startAlertServer(t, { dataDir });
    const t0 = Date.now() - 5 * 60_000;
    await send(server, CAR.deviceId, [{ time: t0, at: LAST }]);
    await noFix(server, t0 + 10_000, true);
    await noFix(server, t0 + 15_000, false);
    server = await restart(t, server, { dataDir });
    await noFix(server, t0 + 20_000, true);
    expect(await sos(server)).toEqual([
      [t0 + 10_000, t0 + 15_000],
      [t0 + 20_000, null],
    ]);
  });

  it('with an alarm fix dated before it (out of order), ended by a fix: one SOS after a restart', async (t) => {
    const dataDir = sharedDir(t);
    let server = await startAlertServer(t, { dataDir });
    const t0 = Date.now() - 5 * 60_000;
    await send(server, CAR.deviceId, [{ time: t0, at: LAST }]);
    await noFix(server, t0 + 10_000, true);
    await send(server, CAR.deviceId, [{ time: t0 + 5_000, at: LAST, alarm: 'sos' }]);
    await send(server, CAR.deviceId, [{ time: t0 + 30_000, at: LAST }]);
    expect(await sos(server)).toEqual([[t0 + 10_000, null]]);
    server = await restart(t, server, { dataDir });
    expect(await sos(server)).toEqual([[t0 + 10_000, null]]);
  });
});

describe('an alarm of a press ended without a position, arriving after its end', () => {
  for (const late of ['positionless', 'positioned', 'resent'] as const) {
    it(`(${late}) raises no second SOS, holds no press: the next press is raised`, async (t) => {
      const server = await startAlertServer(t);
      const t0 = Date.now() - 60_000;
      await send(server, CAR.deviceId, [{ time: t0, at: LAST }]);
      await noFix(server, t0 + 10_000, true);
      await noFix(server, t0 + 15_000, false);
      const at = late === 'resent' ? t0 + 10_000 : t0 + 12_000;
      if (late === 'positioned') await send(server, CAR.deviceId, [{ time: at, at: LAST, alarm: 'sos' }]);
      else await noFix(server, at, true);
      await noFix(server, t0 + 20_000, true);
      expect(await sos(server), late).toEqual([
        [t0 + 10_000, t0 + 15_000],
        [t0 + 20_000, null],
      ]);
    });
  }
});

describe('a press begun without a position, carried on by an alarm fix, held across a restart', () => {
  it('ended after it: the end is stored on its alert, and the next press after two restarts is raised', async (t) => {
    const dataDir = sharedDir(t);
    let server = await startAlertServer(t, { dataDir });
    const t0 = Date.now() - 5 * 60_000;
    await send(server, CAR.deviceId, [{ time: t0, at: LAST }]);
    await noFix(server, t0 + 10_000, true);
    await send(server, CAR.deviceId, [{ time: t0 + 14_000, at: LAST, alarm: 'sos' }]);
    server = await restart(t, server, { dataDir });
    await noFix(server, t0 + 15_000, false);
    expect(await sos(server)).toEqual([[t0 + 10_000, t0 + 15_000]]);
    server = await restart(t, server, { dataDir });
    await noFix(server, t0 + 20_000, true);
    expect(await sos(server)).toEqual([
      [t0 + 10_000, t0 + 15_000],
      [t0 + 20_000, null],
    ]);
  });
});

/**
 * SQLite whose track reads and alert inserts complete later, as PostgreSQL's do; an alert for
 * which `store` is false is not kept (a crash before its insert).
 */
function slowStorage(dataDir: string, store: (alert: Alert) => boolean = () => true): SqliteStorage {
  const storage = new SqliteStorage(dataDir);
  const later = () => new Promise((resolve) => setTimeout(resolve, 200));
  const [track, insert] = [storage.track.bind(storage), storage.insertAlert.bind(storage)];
  storage.track = async (...args) => (await later(), track(...args));
  storage.insertAlert = async (alert) => (await later(), store(alert) && insert(alert));
  return storage;
}

describe('a press replayed after a restart, its alert stored only then', () => {
  it('ended while that alert is being stored: the end is written on it', async (t) => {
    const dataDir = sharedDir(t);
    const settings = { dataDir, ingestRatePerSecond: 10_000, ingestRateBurst: 10_000, alertCheckMs: 3600_000 };
    // The alert of the alarm fix is lost (a crash before it was stored); the fix is in the track.
    let server = await startServer(t, settings, { storage: (dir) => slowStorage(dir, () => false) });
    const t0 = Date.now() - 5 * 60_000;
    await send(server, CAR.deviceId, [{ time: t0, at: LAST }]);
    await send(server, CAR.deviceId, [{ time: t0 + 10_000, at: LAST, alarm: 'sos' }]);
    await server.close();
    server = await startServer(t, settings, { storage: (dir) => slowStorage(dir) });
    // Held until the replay has run, then judged while the replayed alarm's alert is still on its way.
    await noFix(server, t0 + 15_000, false);
    expect(await sos(server)).toEqual([[t0 + 10_000, t0 + 15_000]]);
  });
});

describe("a press ended without a position, the next press's alert lost", () => {
  it('is raised by the replay after a restart: the stored end lies between the two alarm fixes', async (t) => {
    const dataDir = sharedDir(t);
    const settings = { dataDir, ingestRatePerSecond: 10_000, ingestRateBurst: 10_000, alertCheckMs: 3600_000 };
    const t0 = Date.now() - 5 * 60_000;
    // The alert of the second press is lost (a crash before it was stored); its alarm fix is in the track.
    let server = await startServer(t, settings, { storage: (dir) => slowStorage(dir, (a) => a.time !== t0 + 20_000) });
    await send(server, CAR.deviceId, [{ time: t0, at: LAST }]);
    await send(server, CAR.deviceId, [{ time: t0 + 10_000, at: LAST, alarm: 'sos' }]);
    await noFix(server, t0 + 15_000, false);
    await send(server, CAR.deviceId, [{ time: t0 + 20_000, at: LAST, alarm: 'sos' }]);
    expect(await sos(server)).toEqual([[t0 + 10_000, t0 + 15_000]]);
    server = await restart(t, server, { dataDir });
    expect(await sos(server)).toEqual([
      [t0 + 10_000, t0 + 15_000],
      [t0 + 20_000, null],
    ]);
  });
});
