import { isDeviceId, withoutControlChars, type ErrorCode } from '@jointmap/shared';

/**
 * Decoding of the OsmAnd protocol as Traccar Client and OsmAnd send it (see docs/ingest.md for the
 * shapes and where they were confirmed). Pure: no IO, no clock (callers pass `now`).
 */

/** A fix as decoded from one request, before the unit is resolved. SI units. */
export interface DecodedFix {
  deviceId: string;
  /** epoch ms */
  time: number;
  lat: number;
  lng: number;
  speedMps: number | null;
  bearing: number | null;
  altitude: number | null;
  accuracy: number | null;
  /** percent 0–100 */
  battery: number | null;
  alarm: string | null;
  /** The device says this fix has no valid location (`valid=false`): accepted, not stored. */
  valid: boolean;
  /**
   * A dropped fix (not for its coordinates) that carries an alarm: stored anyway, dated on arrival
   * and without an out-of-range speed, so the alarm (SOS) is raised where the device was. The app
   * shows "SOS sent" once answered; dropping the alarm with a wrong clock would lose it silently.
   */
  alarmKept?: true;
  /**
   * Set by the range checks: why this fix is accepted but not stored (a value out of range, a time
   * outside the window). Its request is still acknowledged, so a buffering app moves past it.
   */
  dropped?: { reason: DropReason; message: string };
}

/** Why a fix was dropped (the metric's label). */
export type DropReason = 'coordinates' | 'future' | 'too_old' | 'speed';

/**
 * `fixes` may be empty: a request of heartbeats only (Traccar Client's stationary heartbeat: an id,
 * a time, the battery, no location) is acknowledged and stores nothing.
 */
export type DecodeResult =
  { ok: true; deviceId: string; fixes: DecodedFix[] } | { ok: false; code: ErrorCode; message: string };

/** A record with an id and a time but neither lat nor lon: the device is alive, no place to store. */
interface Heartbeat {
  heartbeat: true;
  deviceId: string;
}

const isHeartbeat = (r: DecodedFix | Heartbeat): r is Heartbeat => 'heartbeat' in r;

export interface FixLimits {
  /** Drop fixes timestamped further than this in the future. */
  maxFutureMs: number;
  /** Drop fixes older than this. */
  maxAgeMs: number;
  /** Most fixes in one request (JSON batches). */
  maxFixes: number;
}

export const KNOTS_TO_MPS = 1852 / 3600;
/** Faster than this is not a police unit's GPS but garbage (≈ 1,800 km/h). */
const MAX_SPEED_MPS = 500;
/** Traccar's rule: a numeric timestamp below 2^31-1 is in seconds, otherwise milliseconds. */
const SECONDS_LIMIT = 2_147_483_647;

type Params = Record<string, string | string[] | undefined>;

class DecodeError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string): never => {
  throw new DecodeError('INVALID_PAYLOAD', message);
};

/**
 * Decode one ingest request. `query` is the parsed query string; `body` is the raw body text
 * (form, JSON or empty) and `contentType` its header. Like Traccar, query parameters win; the body
 * is read only when the query has none.
 */
export function decodeOsmAnd(
  input: { query: Params; body: string | undefined; contentType: string | undefined },
  now: number,
  limits: FixLimits,
): DecodeResult {
  try {
    const records = decodeRaw(input, now);
    if (records.length === 0) invalid('no fix in the request');
    if (records.length > limits.maxFixes) invalid(`at most ${limits.maxFixes} fixes per request`);
    const device = records[0]!.deviceId;
    if (records.some((f) => f.deviceId !== device)) invalid('all fixes of one request must come from one device');
    const fixes = records.filter((r): r is DecodedFix => !isHeartbeat(r));
    for (const f of fixes) {
      const dropped = checkFix(f, now, limits);
      if (!dropped) continue;
      f.dropped = dropped;
      // The alarm of a fix dropped for its time or speed still has a place: kept (see `alarmKept`).
      if (f.alarm !== null && f.valid && dropped.reason !== 'coordinates') {
        f.alarmKept = true;
        if (dropped.reason === 'speed') f.speedMps = null;
      }
    }
    return { ok: true, deviceId: device, fixes };
  } catch (err) {
    if (err instanceof DecodeError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}

function decodeRaw(
  input: { query: Params; body: string | undefined; contentType: string | undefined },
  now: number,
): Array<DecodedFix | Heartbeat> {
  const hasQuery = Object.keys(input.query).length > 0;
  if (hasQuery) return [decodeParams(input.query, now)];
  const body = input.body ?? '';
  if (/^application\/json\b/i.test(input.contentType ?? '')) return decodeJson(body, now);
  if (body.trim() === '') invalid('empty request: expected query parameters, a form or a JSON body');
  return [decodeParams(formParams(body), now)];
}

/** `a=1&b=2` → params; repeated keys become arrays (and are refused for the fields we read). */
export function formParams(body: string): Params {
  const out: Params = {};
  for (const [k, v] of new URLSearchParams(body)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/**
 * The fields that decide whether there is a fix (id, lat, lon, timestamp) are refused when
 * malformed or repeated; every other field is optional: empty, unreadable or repeated, it is
 * unknown (null, or its default) and the fix is kept. A refused request stays at the head of the
 * tracker's buffer and is sent again for ever, with every fix behind it waiting.
 */
function one(params: Params, key: string): string | undefined {
  const v = params[key];
  if (Array.isArray(v)) invalid(`${key}: given more than once`);
  return v as string | undefined;
}

/** An optional parameter: a repeated one is unknown. */
function optional(params: Params, key: string): string | undefined {
  const v = params[key];
  return Array.isArray(v) ? undefined : v;
}

const NUMERAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A finite number from a numeral or a JSON number; null when absent, empty or unreadable (`1e999` too). */
function optionalNum(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string' || !NUMERAL.test(value.trim())) return null;
  const n = Number(value.trim());
  return Number.isFinite(n) ? n : null;
}

/** A coordinate (lat, lon): missing or unreadable refuses the request. */
function required(value: string | number | undefined | null, key: string): number {
  if (value === undefined || value === null || value === '') invalid(`${key}: missing`);
  const n = optionalNum(value);
  if (n === null) invalid(`${key}: not a finite number: "${String(value).slice(0, 40)}"`);
  return n!;
}

function deviceId(value: unknown): string {
  const id = typeof value === 'number' && Number.isInteger(value) ? String(value) : value;
  if (typeof id !== 'string' || id === '') invalid('id: missing device id');
  if (!isDeviceId(id as string)) invalid('id: a device id is 1–64 characters of A–Z, a–z, 0–9, _ . : -');
  return id as string;
}

/** Epoch seconds, epoch ms, ISO 8601, or `yyyy-MM-dd HH:mm:ss` (read as UTC). Absent: now. */
/** Largest time a JS Date can represent (ms since the epoch). */
const MAX_DATE_MS = 8.64e15;

export function parseTimestamp(value: string | number | undefined, now: number): number {
  if (value === undefined) return now;
  if (typeof value === 'number' || /^\d+(\.\d+)?$/.test(value.trim())) {
    const n = typeof value === 'number' ? value : Number(value.trim());
    if (!Number.isFinite(n) || n < 0) invalid('timestamp: not a valid time');
    const ms = Math.round(n < SECONDS_LIMIT ? n * 1000 : n);
    // Beyond what a JS Date can hold (±8.64e15 ms): refused here, before anything formats it.
    if (ms > MAX_DATE_MS) invalid(`timestamp: out of range: "${String(value).slice(0, 40)}"`);
    return ms;
  }
  const s = value.trim();
  let t = Number.NaN;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(s)) {
    t = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(s) ? s : `${s}Z`);
  } else if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(s)) {
    t = Date.parse(`${s.replace(' ', 'T')}Z`);
  }
  if (!Number.isFinite(t)) invalid(`timestamp: not epoch seconds, epoch ms or ISO 8601: "${s.slice(0, 40)}"`);
  return t;
}

/** `valid`: true/1/yes or false/0/no in any case; anything else (empty, unreadable) is the default, true. */
function bool(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  const v = typeof value === 'string' ? value.trim().toLowerCase() : '';
  return !['false', '0', 'no'].includes(v);
}

/**
 * Kept without its control characters (PostgreSQL's `text` refuses NUL, and a batch with one such
 * fix failed whole) and cut to 40 characters; not a string: no alarm. The fix is good either way,
 * and refusing it would stall the tracker's buffer on it.
 */
function alarm(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  return withoutControlChars(value).slice(0, 40) || null;
}

/** No lat, no lon, no location (empty counts as absent): a heartbeat, not a fix. */
const absent = (...values: unknown[]) => values.every((v) => v === undefined || v === null || v === '');

/** Query or form parameters (GET/POST by Traccar Client, OsmAnd, the Traccar Client SDK). */
function decodeParams(p: Params, now: number): DecodedFix | Heartbeat {
  const id = deviceId(one(p, 'id') ?? one(p, 'deviceid'));
  const time = parseTimestamp(one(p, 'timestamp'), now);
  let latRaw = one(p, 'lat');
  let lngRaw = one(p, 'lon');
  const location = one(p, 'location');
  if (absent(latRaw, lngRaw, location)) return { heartbeat: true, deviceId: id };
  if (location !== undefined && absent(latRaw, lngRaw)) {
    const [a, b, ...rest] = location.split(',');
    if (rest.length) invalid('location: expected "lat,lon"');
    [latRaw, lngRaw] = [a, b];
  }
  const speed = optionalNum(optional(p, 'speed'));
  const factor = speedFactor(optional(p, 'speedUnit'));
  return {
    deviceId: id,
    time,
    lat: required(latRaw, 'lat'),
    lng: required(lngRaw, 'lon'),
    speedMps: speed === null || factor === null ? null : speed * factor,
    bearing: optionalNum(optional(p, 'bearing') ?? optional(p, 'heading')),
    altitude: optionalNum(optional(p, 'altitude')),
    accuracy: optionalNum(optional(p, 'accuracy')),
    battery: optionalNum(optional(p, 'batt')),
    alarm: alarm(optional(p, 'alarm')),
    valid: bool(optional(p, 'valid')),
  };
}

/** Metres a second per unit of `speed`, by `speedUnit`. */
const SPEED_UNITS = new Map([
  ['kn', KNOTS_TO_MPS],
  ['mps', 1],
  ['kmh', 1 / 3.6],
]);

/**
 * `speed` is in knots, as Traccar Client sends it and Traccar reads it, unless the request says
 * `speedUnit=mps` or `kmh`: OsmAnd's `{5}` is Android's `Location.getSpeed()`, metres a second, so
 * its URL template carries `speedUnit=mps` (docs/ingest.md). Traccar sets this for the whole
 * server (`osmand.speed`); a parameter lets both kinds of phone report to one server. Another
 * unit: null, the speed is unknown (the fix is kept).
 */
function speedFactor(unit: string | undefined): number | null {
  if (unit === undefined || unit === '') return KNOTS_TO_MPS;
  return SPEED_UNITS.get(unit) ?? null;
}

function decodeJson(body: string, now: number): Array<DecodedFix | Heartbeat> {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    invalid('body: malformed JSON');
  }
  if (Array.isArray(data)) return data.map((item, i) => decodeFlatJson(item, now, `[${i}]`));
  if (!isObject(data)) invalid('body: expected a JSON object or array');
  const root = data as Record<string, unknown>;
  if ('location' in root) {
    const id = deviceId(root.device_id);
    const locations = Array.isArray(root.location) ? root.location : [root.location];
    return locations.map((loc, i) =>
      decodeBackgroundGeolocation(loc, id, now, Array.isArray(root.location) ? `location[${i}]` : 'location'),
    );
  }
  return [decodeFlatJson(root, now, 'body')];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `{location: {timestamp, coords: {...}, battery: {...}, ...}, device_id}` (Traccar Client 9.x). */
function decodeBackgroundGeolocation(loc: unknown, id: string, now: number, path: string): DecodedFix {
  if (!isObject(loc)) invalid(`${path}: expected an object`);
  const l = loc as Record<string, unknown>;
  if (typeof l.timestamp !== 'string') invalid(`${path}.timestamp: expected an ISO 8601 string`);
  if (!isObject(l.coords)) invalid(`${path}.coords: missing`);
  const c = l.coords as Record<string, unknown>;
  const coordinate = (key: string): number => {
    if (c[key] !== undefined && c[key] !== null && typeof c[key] !== 'number')
      invalid(`${path}.coords.${key}: expected a number`);
    return required(c[key] as number | undefined, `${path}.coords.${key}`);
  };
  const unknownIfNegative = (v: number | null) => (v === null || v < 0 ? null : v);
  // 0–1; -1 (unknown), above 1 (a percentage, say) or not a number: unknown, the fix kept.
  const level = isObject(l.battery) ? optionalNum(l.battery.level) : null;
  const extras = isObject(l.extras) ? l.extras : {};
  return {
    deviceId: id,
    time: parseTimestamp(l.timestamp as string, now),
    lat: coordinate('latitude'),
    lng: coordinate('longitude'),
    speedMps: unknownIfNegative(optionalNum(c.speed)),
    bearing: unknownIfNegative(optionalNum(c.heading)),
    altitude: optionalNum(c.altitude),
    accuracy: unknownIfNegative(optionalNum(c.accuracy)),
    battery: level === null || level < 0 || level > 1 ? null : Math.round(level * 100),
    alarm: alarm(l.alarm ?? extras.alarm),
    valid: true,
  };
}

/** `{id, lat, lon, timestamp, speed (knots), ...}`: the Traccar Client SDK's JSON upload, one per item. */
function decodeFlatJson(item: unknown, now: number, path: string): DecodedFix | Heartbeat {
  if (!isObject(item)) invalid(`${path}: expected an object`);
  const o = item as Record<string, unknown>;
  const field = (key: string): string | number | undefined => {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' && typeof v !== 'number') invalid(`${path}.${key}: expected a number or string`);
    return v as string | number;
  };
  const id = deviceId(o.id ?? o.deviceid);
  const time = parseTimestamp(field('timestamp'), now);
  if (absent(field('lat'), field('lon'))) return { heartbeat: true, deviceId: id };
  const speedKnots = optionalNum(o.speed);
  return {
    deviceId: id,
    time,
    lat: required(field('lat'), `${path}.lat`),
    lng: required(field('lon'), `${path}.lon`),
    speedMps: speedKnots === null ? null : speedKnots * KNOTS_TO_MPS,
    bearing: optionalNum(o.bearing ?? o.heading),
    altitude: optionalNum(o.altitude),
    accuracy: optionalNum(o.accuracy),
    battery: optionalNum(o.batt),
    alarm: alarm(o.alarm),
    valid: bool(o.valid),
  };
}

/**
 * Range and time checks: why the fix must not be stored, or null; normalises unknown values
 * (negative accuracy/bearing/battery, 0 accuracy, battery above 100 — millivolts, say) to null.
 *
 * Such a fix is dropped, not refused. A value out of range is the device's data, not a malformed
 * request: refused, Traccar Client keeps it at the head of its buffer and sends it again every
 * 30 s for ever, and every fix behind it waits (a phone left a week in a locker, one GPS spike).
 * Traccar's own server filters such fixes and answers 200 as well.
 */
function checkFix(f: DecodedFix, now: number, limits: FixLimits): DecodedFix['dropped'] | null {
  const drop = (reason: DropReason, message: string) => ({ reason, message });
  if (f.lat < -90 || f.lat > 90 || f.lng < -180 || f.lng > 180)
    return drop('coordinates', `coordinates out of range: lat ${f.lat}, lon ${f.lng}`);
  // What trackers and TAK clients send before they have a location: not a place in the Gulf of Guinea.
  if (f.lat === 0 && f.lng === 0) return drop('coordinates', 'no location: lat 0, lon 0');
  if (f.bearing !== null) f.bearing = f.bearing < 0 ? null : f.bearing % 360;
  if (f.accuracy !== null && f.accuracy <= 0) f.accuracy = null;
  if (f.battery !== null && (f.battery < 0 || f.battery > 100)) f.battery = null;
  if (f.speedMps !== null && f.speedMps < 0) f.speedMps = null;
  if (f.time > now + limits.maxFutureMs)
    return drop('future', `timestamp ${new Date(f.time).toISOString()} is in the future`);
  if (f.time < now - limits.maxAgeMs) return drop('too_old', `timestamp ${new Date(f.time).toISOString()} is too old`);
  if (f.speedMps !== null && f.speedMps > MAX_SPEED_MPS)
    return drop('speed', `speed out of range: ${f.speedMps.toFixed(1)} m/s`);
  return null;
}
