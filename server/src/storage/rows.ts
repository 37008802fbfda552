import type { Device, PositionFix } from './types.ts';

/** A row as either driver returns it (better-sqlite3, pg): column name to value. */
export type Row = Record<string, unknown>;

// Rows both stores return alike (text and numbers only) to the storage types; sqlite-rows.ts and
// pg-rows.ts hold the ones where JSON and booleans differ.

export const toFix = (r: Row): PositionFix => ({
  unitId: r.unit_id as string,
  stationId: r.station_id as string,
  deviceId: r.device_id as string,
  time: r.time as number,
  lng: r.lng as number,
  lat: r.lat as number,
  speed: (r.speed as number | null) ?? null,
  bearing: (r.bearing as number | null) ?? null,
  altitude: (r.altitude as number | null) ?? null,
  accuracy: (r.accuracy as number | null) ?? null,
  battery: (r.battery as number | null) ?? null,
  alarm: (r.alarm as string | null) ?? null,
  receivedAt: r.received_at as number,
});

export const toDevice = (r: Row): Device => ({
  id: r.id as string,
  stationId: r.station_id as string,
  unitId: (r.unit_id as string | null) ?? null,
  label: r.label as string,
  createdAt: r.created_at as number,
});
