import { gcj02ToWgs84, wgs84ToGcj02 } from './gcj02.ts';
import { lngLat, type LngLat } from './lnglat.ts';

/** The datum a pasted coordinate was written in: WGS-84 (GPS, the product) or GCJ-02 (Amap, Tencent). */
export type Datum = 'wgs84' | 'gcj02';

export type ParsedCoordinate =
  | {
      ok: true;
      /** The point in WGS-84, whatever the input's datum. */
      lngLat: LngLat;
      datum: Datum;
      /** Which number came first in the text. */
      order: 'lng-lat' | 'lat-lng';
    }
  | { ok: false; reason: 'empty' | 'syntax' | 'range' };

/** A WGS-84 point in GCJ-02 (unchanged outside China, as gcoord does). */
export function toGcj02(p: LngLat): [number, number] {
  return wgs84ToGcj02(p[0], p[1]);
}

/** A GCJ-02 point back in WGS-84, within 1e-9° in China (`gcj02ToWgs84`, bounded: it always returns). */
export function fromGcj02(p: readonly [number, number]): LngLat {
  const [lng, lat] = gcj02ToWgs84(p[0], p[1]);
  return lngLat(lng, lat);
}

/**
 * WGS-84 decimal degrees, longitude first as the product prints positions, six decimals (~0.1 m).
 *
 * @example
 * formatDecimal(lngLat(120.1, 30.5)) // '120.100000, 30.500000'
 */
export function formatDecimal(p: readonly [number, number], digits = 6): string {
  return `${p[0].toFixed(digits)}, ${p[1].toFixed(digits)}`;
}

/**
 * A GCJ-02 value the way Amap's coordinate picker prints and its search box accepts it:
 * `lng,lat`, six decimals, no space.
 */
export function formatGcj02(p: LngLat): string {
  const [lng, lat] = toGcj02(p);
  return `${lng.toFixed(6)},${lat.toFixed(6)}`;
}

function dmsPart(value: number, pos: string, neg: string, secDigits: number): string {
  const hemi = value < 0 ? neg : pos;
  // Round once in seconds so 59.995″ carries into the minutes instead of printing 60.00″.
  const scale = 10 ** secDigits;
  const totalSec = Math.round(Math.abs(value) * 3600 * scale) / scale;
  const d = Math.floor(totalSec / 3600);
  const m = Math.floor((totalSec - d * 3600) / 60);
  const s = totalSec - d * 3600 - m * 60;
  const sText = s.toFixed(secDigits).padStart(secDigits > 0 ? secDigits + 3 : 2, '0');
  return `${d}°${String(m).padStart(2, '0')}′${sText}″${hemi}`;
}

/**
 * 度分秒, latitude first as DMS is conventionally written, with hemisphere letters.
 *
 * @example
 * formatDms(lngLat(120.1, 30.5)) // '30°30′00.00″N 120°06′00.00″E'
 */
export function formatDms(p: readonly [number, number], secDigits = 2): string {
  return `${dmsPart(p[1], 'N', 'S', secDigits)} ${dmsPart(p[0], 'E', 'W', secDigits)}`;
}

/** Mainland China and its waters, roughly: where a bare pair of numbers can only be one way round. */
const inChina = (lng: number, lat: number) => lng >= 73 && lng <= 136 && lat >= 3 && lat <= 54;

interface Component {
  /** Degrees, minutes, seconds as written (minutes and seconds only after a degree sign). */
  parts: number[];
  units: Array<'d' | 'm' | 's' | null>;
  negative: boolean;
  hemi: 'N' | 'S' | 'E' | 'W' | null;
}

const TOKEN = /\s*(?:([+-]?\d+(?:\.\d+)?|[+-]?\.\d+)|(°)|(')|(")|([NSEW])|([,;/|])|(\S))/y;

/** Full-width forms, typographic primes and Chinese words to the ASCII the tokenizer reads. */
function normalize(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/北纬|北緯/g, ' N ')
    .replace(/南纬|南緯/g, ' S ')
    .replace(/东经|東經/g, ' E ')
    .replace(/西经|西經/g, ' W ')
    .replace(/纬度|经度|lat(?:itude)?|lng|lon(?:gitude)?|[:：、]/gi, (m) => (m === '、' ? ',' : ' '))
    .replace(/[″“”]|''|′′|秒/g, '"')
    .replace(/[′‘’´`]|分/g, "'")
    .replace(/[º˚]|度/g, '°')
    .replace(/[()[\]{}<>]/g, ' ')
    .toUpperCase();
}

/**
 * Read a pasted coordinate: decimal degrees (`120.1, 30.5` lng first as the product prints it, or
 * `30.5, 120.1` lat first when only that reading falls in China), 度分秒 (`30°30'00"N 120°06'00"E`,
 * `北纬30度30分 东经120度6分`, decimal minutes too), and a GCJ-02 value marked `GCJ-02`/`gcj`/`高德`/
 * `火星`, which is converted to WGS-84. A pair with no mark is WGS-84.
 *
 * @example
 * parseCoordinate('gcj02 120.104,30.498') // { ok: true, datum: 'gcj02', lngLat: ≈[120.0993, 30.5004] … }
 */
export function parseCoordinate(input: string): ParsedCoordinate {
  let text = normalize(input.trim());
  if (text === '') return { ok: false, reason: 'empty' };
  const marked = /GCJ[-_ ]?0?2|GCJ|高德|火星|AMAP/;
  const datum: Datum = marked.test(text) ? 'gcj02' : 'wgs84';
  text = text.replace(new RegExp(marked, 'g'), ' ');
  text = text.replace(/WGS[-_ ]?84|WGS|GPS/g, ' ');
  const comps = tokenize(text);
  if (!comps || comps.length !== 2) return { ok: false, reason: 'syntax' };
  const values: number[] = [];
  for (const c of comps) {
    const v = valueOf(c);
    if (v === null) return { ok: false, reason: 'syntax' };
    values.push(v);
  }
  const order = orderOf(comps, values[0]!, values[1]!);
  if (!order) return { ok: false, reason: comps.some((c) => c.hemi) ? 'syntax' : 'range' };
  const [lng, lat] = order === 'lng-lat' ? [values[0]!, values[1]!] : [values[1]!, values[0]!];
  if (Math.abs(lng) > 180 || Math.abs(lat) > 90) return { ok: false, reason: 'range' };
  const wgs = datum === 'gcj02' ? fromGcj02([lng, lat]) : lngLat(lng, lat);
  return { ok: true, lngLat: wgs, datum, order };
}

function tokenize(text: string): Component[] | null {
  const out: Component[] = [];
  let cur: Component | null = null;
  let pending: Component['hemi'] = null;
  // Hemisphere letters lead (N30 E120) or trail (30N 120E): whichever comes first in the text.
  const leading = /^\s*[NSEW]/.test(text);
  const close = () => {
    if (cur) out.push(cur);
    cur = null;
  };
  TOKEN.lastIndex = 0;
  let lastNumber: number | null = null;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) {
      if (/^\s*$/.test(text.slice(at))) break;
      return null;
    }
    const [, num, deg, min, sec, hemi, sep, other] = m;
    if (other !== undefined) return null;
    if (num !== undefined) {
      const n = Number(num);
      // A bare number after a complete component starts the next one.
      if (cur && (cur.units.at(-1) === null || cur.units.at(-1) === 's' || num.startsWith('-'))) close();
      if (!cur) {
        cur = { parts: [], units: [], negative: num.startsWith('-'), hemi: pending };
        pending = null;
      }
      cur.parts.push(Math.abs(n));
      cur.units.push(null);
      lastNumber = n;
    } else if (deg ?? min ?? sec) {
      const unit = deg ? 'd' : min ? 'm' : 's';
      if (!cur || lastNumber === null || cur.units.at(-1) !== null) return null;
      if (unit === 'd' && cur.units.length > 1) {
        // `30° 120°`: the number before this degree sign begins the next component.
        cur.parts.pop();
        cur.units.pop();
        close();
        cur = { parts: [Math.abs(lastNumber)], units: [null], negative: lastNumber < 0, hemi: null };
      }
      const before = cur.units.length >= 2 ? cur.units.at(-2) : undefined;
      const expected = before === undefined ? 'd' : before === 'd' ? 'm' : before === 'm' ? 's' : null;
      // `30°30.5` (minutes with no sign) is read as minutes only when a degree came before.
      if (unit !== expected) return null;
      cur.units[cur.units.length - 1] = unit;
      lastNumber = null;
    } else if (hemi) {
      const h = hemi as Component['hemi'];
      if (leading) {
        close();
        pending = h;
      } else {
        if (!cur || cur.hemi) return null;
        cur.hemi = h;
        close();
      }
    } else if (sep) {
      close();
    }
  }
  if (pending) return null;
  close();
  return out;
}

function valueOf(c: Component): number | null {
  const [d = NaN, m = 0, s = 0] = c.parts;
  // The last part may have no sign only as plain decimal degrees or after a degree sign (`30°30`).
  const units = c.units.map((u, i) => u ?? (i === 0 ? 'd' : c.units[i - 1] === 'd' ? 'm' : 's'));
  if (units.some((u, i) => u !== ['d', 'm', 's'][i])) return null;
  if (c.parts.length > 1 && !Number.isInteger(d)) return null;
  if (c.parts.length > 2 && !Number.isInteger(m)) return null;
  if (m >= 60 || s >= 60) return null;
  const v = d + m / 60 + s / 3600;
  const negative = c.negative || c.hemi === 'S' || c.hemi === 'W';
  return negative ? -v : v;
}

function orderOf(c: Component[], a: number, b: number): 'lng-lat' | 'lat-lng' | null {
  const isLat = (h: Component['hemi']) => h === 'N' || h === 'S';
  const isLng = (h: Component['hemi']) => h === 'E' || h === 'W';
  const [h0, h1] = [c[0]!.hemi, c[1]!.hemi];
  if (h0 || h1) {
    if (isLng(h0) || isLat(h1)) return isLat(h0) || isLng(h1) ? null : 'lng-lat';
    return 'lat-lng';
  }
  const lngFirst = Math.abs(a) <= 180 && Math.abs(b) <= 90;
  const latFirst = Math.abs(a) <= 90 && Math.abs(b) <= 180;
  if (lngFirst && latFirst) return !inChina(a, b) && inChina(b, a) ? 'lat-lng' : 'lng-lat';
  return lngFirst ? 'lng-lat' : latFirst ? 'lat-lng' : null;
}
