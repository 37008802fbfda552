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
   * Set by the range checks: why this fix is accepted but not stored (a value out of range, a time
   * outside the window). Its request is still acknowledged, so a buffering app moves past it.
   */
  dropped?: { reason: DropReason; message: string };
}

/** Why a fix was dropped (the metric's label). */
export type DropReason = 'coordinates' | 'future' | 'too_old' | 'speed' | 'battery';

export type DecodeResult = { ok: true; fixes: DecodedFix[] } | { ok: false; code: ErrorCode; message: string };

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
    const fixes = decodeRaw(input, now);
    if (fixes.length === 0) invalid('no fix in the request');
    if (fixes.length > limits.maxFixes) invalid(`at most ${limits.maxFixes} fixes per request`);
    const device = fixes[0]!.deviceId;
    if (fixes.some((f) => f.deviceId !== device)) invalid('all fixes of one request must come from one device');
    for (const f of fixes) {
      const dropped = checkFix(f, now, limits);
      if (dropped) f.dropped = dropped;
    }
    readAheadAsArrived(fixes, now);
    return { ok: true, fixes };
  } catch (err) {
    if (err instanceof DecodeError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}

/**
 * Fixes dated ahead of `now` (a clock running fast, within the tolerance) are read as dated on
 * arrival: kept as dated, such a fix would stay the unit's newest and hold its marker until the
 * correct fixes caught up with it. A batch of them keeps its order, a millisecond apart (the track
 * keeps one row per device and time, so one shared time would keep only the first).
 */
function readAheadAsArrived(fixes: DecodedFix[], now: number): void {
  const kept = fixes.filter((f) => !f.dropped && f.time > now);
  if (!kept.length) return;
  const ahead = [...new Set(kept.map((f) => f.time))].sort((a, b) => a - b);
  // After the batch's own fixes dated in the past, so none shares a time with one of them.
  const newestPast = Math.max(-Infinity, ...fixes.filter((f) => !f.dropped && f.time <= now).map((f) => f.time));
  const first = Math.max(now - (ahead.length - 1), newestPast + 1);
  const arrival = new Map(ahead.map((t, i) => [t, first + i]));
  for (const f of kept) f.time = arrival.get(f.time)!;
}

function decodeRaw(
  input: { query: Params; body: string | undefined; contentType: string | undefined },
  now: number,
): DecodedFix[] {
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

function one(params: Params, key: string): string | undefined {
  const v = params[key];
  if (Array.isArray(v)) invalid(`${key}: given more than once`);
  return v as string | undefined;
}

function num(value: string | number | undefined | null, key: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) invalid(`${key}: not a finite number`);
    return value;
  }
  const s = value.trim();
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) invalid(`${key}: not a number: "${value.slice(0, 40)}"`);
  const n = Number(s);
  // `1e999` matches the pattern but overflows to Infinity.
  if (!Number.isFinite(n)) invalid(`${key}: not a finite number: "${value.slice(0, 40)}"`);
  return n;
}

function required(value: number | null, key: string): number {
  if (value === null) invalid(`${key}: missing`);
  return value!;
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

function bool(value: string | boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  return value === 'true' || value === '1';
}

function alarm(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || value.length > 40) invalid('alarm: a short text');
  // Kept without its control characters (PostgreSQL's `text` refuses NUL, and a batch with one such
  // fix failed whole): the fix is good, and refusing it would stall the tracker's buffer on it (it
  // sends the same request again until it is answered 200).
  return withoutControlChars(value as string) || null;
}

/** Query or form parameters (GET/POST by Traccar Client, OsmAnd, the Traccar Client SDK). */
function decodeParams(p: Params, now: number): DecodedFix {
  let lat = num(one(p, 'lat'), 'lat');
  let lng = num(one(p, 'lon'), 'lon');
  const location = one(p, 'location');
  if (location !== undefined && lat === null && lng === null) {
    const [a, b, ...rest] = location.split(',');
    if (rest.length) invalid('location: expected "lat,lon"');
    lat = num(a, 'location');
    lng = num(b, 'location');
  }
  const id = one(p, 'id') ?? one(p, 'deviceid');
  const speed = num(one(p, 'speed'), 'speed');
  return {
    deviceId: deviceId(id),
    time: parseTimestamp(one(p, 'timestamp'), now),
    lat: required(lat, 'lat'),
    lng: required(lng, 'lon'),
    speedMps: speed === null ? null : speed * speedFactor(one(p, 'speedUnit')),
    bearing: num(one(p, 'bearing') ?? one(p, 'heading'), 'bearing'),
    altitude: num(one(p, 'altitude'), 'altitude'),
    accuracy: num(one(p, 'accuracy'), 'accuracy'),
    battery: num(one(p, 'batt'), 'batt'),
    alarm: alarm(one(p, 'alarm')),
    valid: bool(one(p, 'valid'), true),
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
 * server (`osmand.speed`); a parameter lets both kinds of phone report to one server.
 */
function speedFactor(unit: string | undefined): number {
  if (unit === undefined || unit === '') return KNOTS_TO_MPS;
  const factor = SPEED_UNITS.get(unit);
  if (factor === undefined) invalid(`speedUnit: one of kn, mps, kmh, not "${unit.slice(0, 20)}"`);
  return factor!;
}

function decodeJson(body: string, now: number): DecodedFix[] {
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
  const n = (key: string): number | null => {
    const v = c[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'number') invalid(`${path}.coords.${key}: expected a number`);
    return num(v as number, `${path}.coords.${key}`);
  };
  const unknownIfNegative = (v: number | null) => (v === null || v < 0 ? null : v);
  let battery: number | null = null;
  if (l.battery !== undefined) {
    if (!isObject(l.battery)) invalid(`${path}.battery: expected an object`);
    const level = (l.battery as Record<string, unknown>).level;
    if (level !== undefined && level !== null) {
      if (typeof level !== 'number' || !Number.isFinite(level)) invalid(`${path}.battery.level: expected 0–1 or -1`);
      // Above 1 (a percentage, say) is the device's data, not a malformed request: the level is
      // unknown, the fix kept (a refused request would stall the phone's buffer on it).
      battery = (level as number) < 0 || (level as number) > 1 ? null : Math.round((level as number) * 100);
    }
  }
  const extras = isObject(l.extras) ? l.extras : {};
  return {
    deviceId: id,
    time: parseTimestamp(l.timestamp as string, now),
    lat: required(n('latitude'), `${path}.coords.latitude`),
    lng: required(n('longitude'), `${path}.coords.longitude`),
    speedMps: unknownIfNegative(n('speed')),
    bearing: unknownIfNegative(n('heading')),
    altitude: n('altitude'),
    accuracy: unknownIfNegative(n('accuracy')),
    battery,
    alarm: alarm(l.alarm ?? extras.alarm),
    valid: true,
  };
}

/** `{id, lat, lon, timestamp, speed (knots), ...}`: the Traccar Client SDK's JSON upload, one per item. */
function decodeFlatJson(item: unknown, now: number, path: string): DecodedFix {
  if (!isObject(item)) invalid(`${path}: expected an object`);
  const o = item as Record<string, unknown>;
  const field = (key: string): string | number | undefined => {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' && typeof v !== 'number') invalid(`${path}.${key}: expected a number or string`);
    return v as string | number;
  };
  const speedKnots = num(field('speed'), `${path}.speed`);
  const validRaw = o.valid;
  return {
    deviceId: deviceId(o.id ?? o.deviceid),
    time: parseTimestamp(field('timestamp'), now),
    lat: required(num(field('lat'), `${path}.lat`), `${path}.lat`),
    lng: required(num(field('lon'), `${path}.lon`), `${path}.lon`),
    speedMps: speedKnots === null ? null : speedKnots * KNOTS_TO_MPS,
    bearing: num(field('bearing') ?? field('heading'), `${path}.bearing`),
    altitude: num(field('altitude'), `${path}.altitude`),
    accuracy: num(field('accuracy'), `${path}.accuracy`),
    battery: num(field('batt'), `${path}.batt`),
    alarm: alarm(o.alarm),
    valid: typeof validRaw === 'boolean' ? validRaw : bool(typeof validRaw === 'string' ? validRaw : undefined, true),
  };
}

/**
 * Range and time checks: why the fix must not be stored, or null; normalises unknown values
 * (negative accuracy/bearing, 0 accuracy) to null.
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
  if (f.time > now + limits.maxFutureMs)
    return drop('future', `timestamp ${new Date(f.time).toISOString()} is in the future`);
  if (f.time < now - limits.maxAgeMs) return drop('too_old', `timestamp ${new Date(f.time).toISOString()} is too old`);
  if (f.speedMps !== null) {
    if (f.speedMps < 0) f.speedMps = null;
    else if (f.speedMps > MAX_SPEED_MPS) return drop('speed', `speed out of range: ${f.speedMps.toFixed(1)} m/s`);
  }
  if (f.bearing !== null) f.bearing = f.bearing < 0 ? null : f.bearing % 360;
  if (f.accuracy !== null && f.accuracy <= 0) f.accuracy = null;
  if (f.battery !== null) {
    if (f.battery < 0) f.battery = null;
    else if (f.battery > 100) return drop('battery', `batt out of range: ${f.battery}`);
  }
  return null;
}
