import { expect } from 'vitest';
import type { Teardown, TestServer } from '../helpers/server.ts';
import { CAR, line, offset, rule, send, square, storedAlerts, summary, track, type Fix } from './alert-helpers.ts';
import { restart } from './restart.test-support.ts';

/**
 * The depot scene of the zone tests: 油库, a 400 m square zone around ORIGIN in 禹越's document, and
 * a unit that drives in from the west and parks at its centre.
 */

/** The depot zone (enter and exit), with `extra` fields of the rule over the defaults. */
export const depot = (extra: Record<string, unknown> = {}) =>
  rule('deqing-yuyue', { id: 'depot', name: '油库', type: 'zone', polygon: square(200), trigger: 'both', ...extra });

/** A drive at 30 km/h from `east` metres of the depot's centre to the centre, a fix every 2 s from `t0`. */
export const driveIn = (t0: number, east = -600): Fix[] => track(t0, 2, line([east, 0], [0, 0], 30), 30);

/** Fixes parked at `east` metres from the depot's centre, one every 5 s for `seconds`. */
export const parked = (from: number, seconds: number, east = 0): Fix[] =>
  Array.from({ length: seconds / 5 }, (_, i) => ({ time: from + i * 5_000, at: offset(east, 0), speedKmh: 0 }));

/**
 * The car's enter of the depot is the one alert stored, and stays the only one after a restart on
 * `dataDir` while the car, still parked there, reports `fixes` (made after the restart).
 */
export async function expectOneEnterAcrossRestart(
  t: Teardown,
  server: TestServer,
  dataDir: string,
  fixes: () => Fix[],
): Promise<void> {
  const [enter] = await storedAlerts(server);
  expect(await summary(server)).toEqual([`zone_enter ${CAR.unitId} depot`]);
  const restarted = await restart(t, server, { dataDir });
  await send(restarted, CAR.deviceId, fixes());
  expect(await storedAlerts(restarted)).toEqual([enter]);
}
