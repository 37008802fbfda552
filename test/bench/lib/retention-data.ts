/** Track data for the retention benchmark: realistic drives in memory, large stores built in SQL. */
import { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import type { PositionFix } from '@jointmap/server/storage/types';
import { Rng } from './rng.ts';

/**
 * `seconds` fixes at 1 Hz of a patrol car: curves and GPS noise (±1 m), speed 2–14 m/s, a stop of
 * a tenth of the time, all fields a Traccar Client fills.
 */
export function patrolDrive(
  stationId: string,
  unitId: string,
  start: number,
  seconds: number,
  seed: number,
): PositionFix[] {
  const r = new Rng(seed);
  const rnd = () => r.next();
  const out: PositionFix[] = [];
  let lng = 120.2 + rnd() * 0.1;
  let lat = 30.45 + rnd() * 0.1;
  let heading = rnd() * 2 * Math.PI;
  const stopFrom = Math.floor(rnd() * seconds * 0.9);
  for (let i = 0; i < seconds; i++) {
    const stopped = i >= stopFrom && i < stopFrom + seconds / 10;
    const speed = stopped ? 0 : 8 + 6 * Math.sin(i / 90 + seed);
    heading += (rnd() - 0.5) * 0.1 + Math.sin(i / 150 + seed) * 0.015;
    lng += (Math.sin(heading) * speed) / (111_320 * Math.cos((lat * Math.PI) / 180));
    lat += (Math.cos(heading) * speed) / 110_540;
    out.push({
      stationId,
      unitId,
      deviceId: `${unitId}-gps`,
      time: start + i * 1000,
      lng: lng + (rnd() - 0.5) * 0.00002,
      lat: lat + (rnd() - 0.5) * 0.00002,
      speed,
      bearing: ((heading * 180) / Math.PI + 360) % 360,
      altitude: 5 + rnd() * 3,
      accuracy: 4 + rnd() * 4,
      battery: 80,
      alarm: null,
      receivedAt: start + i * 1000 + 120,
    });
  }
  return out;
}

const INSERT_COLUMNS =
  'station_id, unit_id, time, device_id, lng, lat, speed, bearing, altitude, accuracy, battery, alarm, received_at';

/**
 * Fill a store (schema already migrated) in SQL, no JavaScript per row: `units` units, one fix
 * every `stepMs` from `start` for `count` fixes each. Rows go in key order (one unit after the
 * other), which packs pages fuller than live ingest does: the benchmark measures bytes per fix
 * from the real ingest path separately.
 */
export async function fillSparse(
  dir: string,
  units: number,
  count: number,
  start: number,
  stepMs: number,
): Promise<void> {
  const storage = new SqliteStorage(dir);
  const db = storage.db;
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -400000');
  db.exec(`WITH RECURSIVE u(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM u WHERE i < ${units - 1}),
    t(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM t WHERE k < ${count - 1})
    INSERT INTO positions_track (${INSERT_COLUMNS})
    SELECT 'st-' || (i % 3), 'gen-u-' || i, ${start} + k * ${stepMs} + (i * 97) % ${stepMs}, 'gen-d-' || i,
      120.2 + (i % 50) * 2e-3 + k * 1e-6, 30.45 + (i / 50) * 2e-3 + (abs(random()) % 1000) * 1e-6,
      8.3, 90.0, 5.0, 5.0, 80.0, NULL, ${start} + k * ${stepMs} + 300
    FROM u, t`);
  latestFromTrack(db);
  await storage.close();
}

/** `units` units at 1 Hz for `seconds` from `start`, driving wavy lines with 2 m of noise (thinning work). */
export async function fillDense(
  dir: string,
  prefix: string,
  units: number,
  seconds: number,
  start: number,
): Promise<void> {
  const storage = new SqliteStorage(dir);
  const db = storage.db;
  db.pragma('synchronous = OFF');
  db.exec(`WITH RECURSIVE u(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM u WHERE i < ${units - 1}),
    t(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM t WHERE k < ${seconds - 1})
    INSERT INTO positions_track (${INSERT_COLUMNS})
    SELECT 'st-' || (i % 3), '${prefix}' || i, ${start} + k * 1000, '${prefix}d-' || i,
      120.2 + (i % 50) * 2e-3 + k * 8e-5 + 3e-4 * sin(k / 60.0) + (abs(random()) % 40) * 5e-7,
      30.45 + (i / 50) * 2e-3 + 3e-4 * cos(k / 90.0) + (abs(random()) % 40) * 5e-7,
      8.0 + 4 * sin(k / 120.0), 90.0, 5.0, 5.0, 80.0, NULL, ${start} + k * 1000 + 300
    FROM u, t`);
  latestFromTrack(db);
  await storage.close();
}

function latestFromTrack(db: SqliteStorage['db']): void {
  db.exec(`INSERT OR REPLACE INTO positions_latest (${INSERT_COLUMNS})
    SELECT ${INSERT_COLUMNS} FROM positions_track p
    WHERE time = (SELECT MAX(time) FROM positions_track q WHERE q.station_id = p.station_id AND q.unit_id = p.unit_id)`);
}

/** Bytes and rows of the track table (dbstat: pages of the table and its key). */
export async function trackBytes(dir: string): Promise<{ bytes: number; rows: number }> {
  const storage = new SqliteStorage(dir);
  const db = storage.db;
  const bytes = (
    db.prepare("SELECT SUM(pgsize) AS b FROM dbstat WHERE name = 'positions_track'").get() as { b: number }
  ).b;
  const rows = (db.prepare('SELECT COUNT(*) AS n FROM positions_track').get() as { n: number }).n;
  await storage.close();
  return { bytes, rows };
}
