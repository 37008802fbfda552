import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { UnitPosition } from '@jointmap/shared';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import { LiveService } from './live-service.ts';

const STATION = 'deqing-yuyue';
const NOW = Date.parse('2026-03-01T08:00:00Z');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A live service on SQLite with tracker `dev-a` on unit `car-1`, its clock at `clock.now`. */
async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-ingest-'));
  const storage = new SqliteStorage(dir);
  await storage.upsertStation({
    id: STATION,
    name: '禹越',
    shortName: '禹越',
    adcode: null,
    color: '#123',
    jurisdiction: null,
  });
  await storage.upsertDevice({ id: 'dev-a', unitId: 'car-1', stationId: STATION, label: 'a', createdAt: 0 });
  const clock = { now: NOW };
  const warnings: object[] = [];
  const live = new LiveService(
    storage,
    {
      limits: { maxFutureMs: 5 * 60_000, maxAgeMs: 7 * 86_400_000, maxFixes: 100 },
      ratePerSecond: 100,
      rateBurst: 100,
      thresholds: { staleAfterMs: 60_000, lostAfterMs: 300_000 },
      log: { warn: (obj) => void warnings.push(obj) },
    },
    new Registry(),
    undefined,
    () => clock.now,
  );
  await live.start();
  const heard: UnitPosition[] = [];
  live.onFix((p) => heard.push(p));
  cleanups.push(async () => {
    await live.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const send = (query: Record<string, string>) =>
    live.ingest({ query: { id: 'dev-a', ...query }, body: undefined, contentType: undefined, address: '10.0.0.1' });
  const track = () => storage.track(STATION, 'car-1', 0, NOW + 86_400_000, 100);
  return { clock, send, track, heard, warnings };
}

describe('LiveService ingest', () => {
  it("answers Traccar Client's stationary heartbeat (no location) with 200, stored 0", async () => {
    const s = await setup();
    await expect(s.send({ timestamp: String(NOW / 1000), batt: '87', charge: 'true' })).resolves.toMatchObject({
      received: 0,
      stored: 0,
      dropped: [],
    });
    // The real fix queued behind it is stored.
    await expect(s.send({ timestamp: String(NOW / 1000), lat: '30.5', lon: '120.3' })).resolves.toMatchObject({
      stored: 1,
    });
    await expect(s.send({ lat: '30.5' })).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
  });

  it('an SOS on a fix dated 8 hours ahead raises the alarm at its place, dated on arrival; the drop is warned once', async () => {
    const s = await setup();
    const ahead = String(NOW / 1000 + 8 * 3600);
    const res = await s.send({ timestamp: ahead, lat: '30.51', lon: '120.31', alarm: 'sos' });
    expect(res).toMatchObject({ received: 1, stored: 1, dropped: [{ index: 0 }] });
    // What the alert engine listens to (LiveService.onFix): the alarm, where the phone was, on arrival.
    expect(s.heard.map((p) => [p.alarm, p.lngLat, p.time])).toEqual([['sos', [120.31, 30.51], NOW]]);
    expect((await s.track()).map((f) => [f.time, f.alarm])).toEqual([[NOW, 'sos']]);
    // The same wrong clock keeps dropping fixes: one warning per device for a few minutes.
    s.clock.now += 10_000;
    await s.send({ timestamp: String(NOW / 1000 + 8 * 3600 + 10), lat: '30.51', lon: '120.31' });
    expect(s.warnings).toEqual([expect.objectContaining({ device: 'dev-a', dropped: { future: 1 } })]);
    s.clock.now += 5 * 60_000;
    await s.send({ timestamp: String(NOW / 1000 + 8 * 3600 + 320), lat: '30.51', lon: '120.31' });
    expect(s.warnings).toHaveLength(2);
    expect(s.warnings[1]).toMatchObject({ dropped: { future: 2 } });
    // Fixes without an alarm are still not stored.
    expect(await s.track()).toHaveLength(1);
  });

  it('a fix dated slightly ahead, sent again after a lost answer, is stored once', async () => {
    const s = await setup();
    const fix = { timestamp: String(NOW / 1000 + 90), lat: '30.5', lon: '120.3' };
    await s.send(fix);
    s.clock.now += 30_000;
    await s.send(fix);
    expect((await s.track()).map((f) => f.time)).toEqual([NOW]);
  });
});
