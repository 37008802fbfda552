import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { newestFix } from '@jointmap/shared';
import { SQLITE_MIGRATIONS } from './sqlite-schema.ts';
import { SqliteStorage } from './sqlite-storage.ts';
import { storedFix } from './stored-fix.test-support.ts';
import type { PositionFix } from './types.ts';

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-positions-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const fix = (stationId: string, unitId: string, time: number, deviceId: string, lat = 30.5): PositionFix =>
  storedFix({ stationId, unitId, deviceId, time, lng: 120.3, lat, receivedAt: time + 1 });

/** A seeded shuffle (deterministic). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('SQLite positions keyed by station and unit', () => {
  it("keeps the latest and the track of two stations' units of one id apart", async () => {
    const storage = new SqliteStorage(dataDir());
    try {
      await storage.appendPositions([fix('a', 'car-01', 10, 'pa', 30.1), fix('b', 'car-01', 20, 'pb', 30.2)]);
      await storage.appendPositions([fix('a', 'car-01', 11, 'pa', 30.3)]);
      expect(await storage.latestPosition('a', 'car-01')).toMatchObject({ time: 11, lat: 30.3, deviceId: 'pa' });
      expect(await storage.latestPosition('b', 'car-01')).toMatchObject({ time: 20, lat: 30.2, deviceId: 'pb' });
      expect((await storage.track('a', 'car-01', 0, 100, 10)).map((f) => f.time)).toEqual([10, 11]);
      expect((await storage.track('b', 'car-01', 0, 100, 10)).map((f) => f.time)).toEqual([20]);
      expect((await storage.latestPositions()).map((f) => `${f.stationId}/${f.time}`).sort()).toEqual(['a/11', 'b/20']);
    } finally {
      await storage.close();
    }
  });

  it('chooses the latest fix by the shared rule (time, then device id) whatever the arrival order', async () => {
    const fixes = [
      fix('a', 'u', 5, 'phone'),
      fix('a', 'u', 7, 'box'),
      fix('a', 'u', 7, 'phone'),
      fix('a', 'u', 7, 'Zeta'),
      fix('a', 'u', 6, 'zz'),
    ];
    const expected = newestFix(fixes)!;
    for (let seed = 1; seed <= 8; seed++) {
      const storage = new SqliteStorage(dataDir());
      try {
        // One fix per transaction, so the upsert compares every pair the arrival order produces.
        for (const f of shuffled(fixes, seed)) await storage.appendPositions([f]);
        const latest = await storage.latestPosition('a', 'u');
        expect([latest?.time, latest?.deviceId]).toEqual([expected.time, expected.deviceId]);
      } finally {
        await storage.close();
      }
    }
  });

  it('migrates a database keyed by unit id alone, rebuilding the latest position per station', async () => {
    const dir = dataDir();
    const step = SQLITE_MIGRATIONS.findIndex((m) => m.includes('positions_track_v2'));
    expect(step).toBeGreaterThan(0);
    const old = new Database(join(dir, 'jointmap.sqlite'));
    for (const sql of SQLITE_MIGRATIONS.slice(0, step)) old.exec(sql);
    old.pragma(`user_version = ${step}`);
    const insert = old.prepare(
      `INSERT INTO positions_track (unit_id, time, device_id, station_id, lng, lat, received_at)
       VALUES (?, ?, ?, ?, 120.3, 30.5, ?)`,
    );
    insert.run('car-01', 10, 'pa', 'a', 11);
    insert.run('car-01', 12, 'pa', 'a', 13);
    insert.run('car-01', 30, 'pb', 'b', 31);
    // The old latest table held one row for both stations' car-01: b's, which overwrote a's.
    old
      .prepare(
        `INSERT INTO positions_latest (unit_id, station_id, device_id, time, lng, lat, received_at)
         VALUES ('car-01', 'b', 'pb', 30, 120.3, 30.5, 31)`,
      )
      .run();
    old.close();

    const storage = new SqliteStorage(dir);
    try {
      expect(await storage.latestPosition('a', 'car-01')).toMatchObject({ time: 12, deviceId: 'pa' });
      expect(await storage.latestPosition('b', 'car-01')).toMatchObject({ time: 30, deviceId: 'pb' });
      expect((await storage.track('a', 'car-01', 0, 100, 10)).map((f) => f.time)).toEqual([10, 12]);
      // The new key still stores a re-sent fix once.
      await storage.appendPositions([fix('a', 'car-01', 12, 'pa')]);
      expect(await storage.track('a', 'car-01', 0, 100, 10)).toHaveLength(2);
    } finally {
      await storage.close();
    }
  });
});
