import { describe, expect, it } from 'vitest';
import { DEMO_OP, startServer, type TestServer } from '../helpers/server.ts';
import { streetFixes } from './archive-helpers.ts';

const DAY = 24 * 3600_000;
const STATION = 'deqing-yuyue';
/** Fixes of 禹越's patrol car at 1 Hz along a street (thinning keeps about one a minute). */
const street = (start: number, n: number) => streetFixes(STATION, 'yuyue-car-01', start, n, 'demo-yuyue-01');
const OP = 'evidence-op';

function api(server: TestServer, token: string, method: string, path: string, body?: unknown) {
  return fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
}

describe('evidence hold and retention over REST', () => {
  it('only a commander sets or lifts a hold; while held nothing is thinned or dropped, once lifted the policy runs', async (t) => {
    const server = await startServer(t);
    const storage = server.ctx.storage;
    const now = Date.now();
    // An operation that began 100 days ago with the station whose unit reported then.
    await storage.createOperation({
      id: OP,
      name: '证据保全行动',
      kind: 'search',
      status: 'active',
      stations: [STATION],
      createdBy: 'u-commander',
      createdAt: now - 100 * DAY,
    });
    const track = [...street(now - 95 * DAY, 600), ...street(now - 20 * DAY, 600)];
    await storage.appendPositions(track);
    const commander = (await server.login('commander')).token;
    const dispatcher = (await server.login('deqing')).token;

    const refused = await api(server, dispatcher, 'PUT', `/api/operations/${OP}/hold`, { kept: true });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect(await storage.operationHold(OP)).toBeNull();

    const set = await api(server, commander, 'PUT', `/api/operations/${OP}/hold`, { kept: true });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ operationId: OP, hold: { keptBy: 'u-commander' } });

    const held = await api(server, commander, 'POST', '/api/retention/run');
    expect(held.status).toBe(200);
    expect(await held.json()).toMatchObject({ run: { heldOperations: 1, thinRemoved: 0, dropped: 0 } });
    expect(await storage.track(STATION, 'yuyue-car-01', 0, now, 10_000)).toHaveLength(track.length);

    // A dispatcher may neither lift the hold nor read the settings.
    const lift = await api(server, dispatcher, 'PUT', `/api/operations/${OP}/hold`, { kept: false });
    expect(lift.status).toBe(403);
    expect(await lift.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect((await api(server, dispatcher, 'GET', `/api/operations/${DEMO_OP}/retention`)).status).toBe(403);
    expect((await api(server, dispatcher, 'POST', '/api/retention/run')).status).toBe(403);
    expect(await storage.operationHold(OP)).not.toBeNull();

    const lifted = await api(server, commander, 'PUT', `/api/operations/${OP}/hold`, { kept: false });
    expect(lifted.status).toBe(200);
    expect(await lifted.json()).toMatchObject({ hold: null });
    const ran = (await (await api(server, commander, 'POST', '/api/retention/run')).json()) as {
      run: { thinRemoved: number; dropped: number };
    };
    expect(ran.run.dropped).toBe(600);
    expect(ran.run.thinRemoved).toBeGreaterThan(500);
    const left = await storage.track(STATION, 'yuyue-car-01', 0, now, 10_000);
    expect(left.every((f) => f.time > now - 90 * DAY)).toBe(true);
    expect(left.length).toBeLessThan(100);
  });

  it('the metrics and the settings show the last run, the store sizes, bytes per fix and free disk', async (t) => {
    const server = await startServer(t);
    await server.ctx.storage.appendPositions(street(Date.now() - 60_000, 50));
    const commander = (await server.login('commander')).token;
    expect((await api(server, commander, 'POST', '/api/retention/run')).status).toBe(200);

    const settings = (await (await api(server, commander, 'GET', `/api/operations/${DEMO_OP}/retention`)).json()) as {
      hold: unknown;
      policy: { fullDays: number; keepDays: number };
      lastRun: { finishedAt: number } | null;
      storage: { bytesPerFix: number; stores: { store: string; bytes: number }[] } | null;
      disk: { freeBytes: number };
    };
    expect(settings.hold).toBeNull();
    expect(settings.policy).toMatchObject({ fullDays: 7, keepDays: 90 });
    expect(settings.lastRun?.finishedAt).toBeGreaterThan(0);
    expect(settings.storage?.bytesPerFix).toBeGreaterThan(0);
    expect(settings.storage?.stores.map((s) => s.store)).toContain('positions_track');
    expect(settings.disk.freeBytes).toBeGreaterThan(0);

    const metrics = await (await api(server, commander, 'GET', '/api/metrics')).text();
    for (const name of [
      'jointmap_retention_runs_total{outcome="ok"} 1',
      'jointmap_retention_last_run_timestamp_seconds',
      'jointmap_retention_progress_ratio 1',
      'jointmap_storage_bytes{store="positions_track"}',
      'jointmap_storage_bytes_per_fix',
      'jointmap_storage_bytes_per_update',
      'jointmap_disk_free_bytes',
      'jointmap_disk_low 0',
    ])
      expect(metrics).toContain(name);
  });
});
