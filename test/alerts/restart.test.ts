import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import { tempDir, type Teardown } from '../helpers/server.ts';
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
