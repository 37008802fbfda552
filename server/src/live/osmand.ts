import { isDeviceId, withoutControlChars, type ErrorCode } from '@jointmap/shared';
import { judgeFix, type DecodedFix, type FixLimits } from './fix-checks.ts';

/**
 * Decoding of the OsmAnd protocol as Traccar Client and OsmAnd send it (see docs/ingest.md for the
 * shapes and where they were confirmed). Pure: no IO, no clock (callers pass `now`). What a fix
 * then becomes (stored, dropped, its alarm kept) is fix-checks.ts.
 */

export type { DecodedFix, DropReason, FixLimits } from './fix-checks.ts';

/**
 * `fixes` may be empty: a request of heartbeats only (Traccar Client's stationary heartbeat: an id,
 * a time, the battery, no location) is acknowledged and stores nothing. `records`: the fixes and the
 * heartbeats ({@link isHeartbeat}) in the request's order, as the alert engine must judge them: a
 * batch buffered offline may hold an alarm, the heartbeat that ended it, and the next alarm.
 */
export type DecodeResult =
  | { ok: true; deviceId: string; fixes: DecodedFix[]; records: DecodedFix[] }
  | { ok: false; code: ErrorCode; message: string };

/** A record with an id and a time but neither lat nor lon (nor an alarm): the device is alive, no place to store. */
interface Heartbeat {
  heartbeat: true;
  deviceId: string;
  time: number;
}

const isRawHeartbeat = (r: DecodedFix | Heartbeat): r is Heartbeat => 'heartbeat' in r;

/**
 * Whether a decoded record is a heartbeat: no location and no alarm (one with an alarm is a fix
 * without a location). It is read as a fix without a location, but is no fix: never stored,
 * counted or dropped; it may end the SOS press of its device (`positionless`, set within the window
 * and, dated on arrival, ahead of it).
 */
export const isHeartbeat = (f: DecodedFix): boolean => f.noLocation === true && f.alarm === null;

export const KNOTS_TO_MPS = 1852 / 3600;
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
    const inOrder = records.map((r) => (isRawHeartbeat(r) ? noLocation(r.deviceId, r.time, null, null) : r));
    for (const f of inOrder) judgeFix(f, now, limits);
    return { ok: true, deviceId: device, fixes: inOrder.filter((f) => !isHeartbeat(f)), records: inOrder };
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
  const alarmText = alarm(optional(p, 'alarm'));
  if (absent(latRaw, lngRaw, location))
    return alarmText
      ? noLocation(id, time, alarmText, optionalNum(optional(p, 'batt')))
      : { heartbeat: true, deviceId: id, time };
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
    alarm: alarmText,
    valid: bool(optional(p, 'valid')),
  };
}

/**
 * A heartbeat read as a fix without a location (lat 0, lon 0, not valid): one that carries an alarm
 * (an SOS pressed before the phone had any location) so that its alarm is raised, and one without,
 * which may end its device's press (`positionless`).
 */
function noLocation(deviceId: string, time: number, alarmText: string | null, battery: number | null): DecodedFix {
  const unknown = { speedMps: null, bearing: null, altitude: null, accuracy: null };
  return { deviceId, time, lat: 0, lng: 0, ...unknown, battery, alarm: alarmText, valid: false, noLocation: true };
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
  if (absent(field('lat'), field('lon'))) {
    const alarmText = alarm(o.alarm);
    return alarmText ? noLocation(id, time, alarmText, optionalNum(o.batt)) : { heartbeat: true, deviceId: id, time };
  }
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
