import type { Account, Operation, PositionFix, Station } from './types.ts';
import type { PgRow } from './pg-pool.ts';

// Rows of the PostgreSQL tables to the storage types (JSON arrives parsed, BOOLEAN as boolean,
// BIGINT as number: see createPgPool).

export const pgStation = (r: PgRow): Station => ({
  id: r.id as string,
  name: r.name as string,
  shortName: r.short_name as string,
  adcode: (r.adcode as string | null) ?? null,
  color: r.color as string,
  jurisdiction: (r.jurisdiction as Station['jurisdiction']) ?? null,
});

export const pgAccount = (r: PgRow): Account => ({
  id: r.id as string,
  username: r.username as string,
  name: r.name as string,
  role: r.role as Account['role'],
  stationId: (r.station_id as string | null) ?? null,
  passwordHash: r.password_hash as string,
  disabled: r.disabled === true,
  createdAt: r.created_at as number,
});

export const pgOperation = (r: PgRow): Operation => ({
  id: r.id as string,
  name: r.name as string,
  kind: r.kind as Operation['kind'],
  status: r.status as Operation['status'],
  stations: r.stations as string[],
  createdBy: r.created_by as string,
  createdAt: r.created_at as number,
  closedAt: (r.closed_at as number | null) ?? null,
  purgedAt: (r.purged_at as number | null) ?? null,
  restoredAt: (r.restored_at as number | null) ?? null,
});

/** The fixes as one array per column, for `unnest` (one statement whatever the batch size). */
export function fixColumns(fixes: readonly PositionFix[]): unknown[] {
  return [
    fixes.map((f) => f.stationId),
    fixes.map((f) => f.unitId),
    fixes.map((f) => f.time),
    fixes.map((f) => f.deviceId),
    fixes.map((f) => f.lng),
    fixes.map((f) => f.lat),
    fixes.map((f) => f.speed),
    fixes.map((f) => f.bearing),
    fixes.map((f) => f.altitude),
    fixes.map((f) => f.accuracy),
    fixes.map((f) => f.battery),
    fixes.map((f) => f.alarm),
    fixes.map((f) => f.receivedAt),
  ];
}

/**
 * `SELECT` of the columns of {@link fixColumns} (parameters $1…$13), plus `ord`: each fix's place
 * in the batch, so that of two fixes with one key the first is kept, as SQLite keeps it.
 */
export const UNNEST_FIXES = `SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[],
  $5::float8[], $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::float8[], $11::float8[],
  $12::text[], $13::bigint[]) WITH ORDINALITY AS f(station_id, unit_id, time, device_id, lng, lat, speed, bearing,
  altitude, accuracy, battery, alarm, received_at, ord)`;

export const FIX_COLUMNS =
  'station_id, unit_id, time, device_id, lng, lat, speed, bearing, altitude, accuracy, battery, alarm, received_at';
