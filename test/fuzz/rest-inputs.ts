/**
 * REST inputs for every route the server declares (read from server/src/routes/*.ts, so a new
 * route is fuzzed without touching this file). Every request that could change something is built
 * to be refused: a body that breaks the route's schema, a foreign id, or a token without the right.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEMO_OP } from '../helpers/server.ts';
import type { Random } from '../helpers/random.ts';
import type { TokenKind } from './sync-frames.ts';
import { MARKER } from './yjs-payloads.ts';

export interface Route {
  method: string;
  path: string;
}

const routesDir = fileURLToPath(new URL('../../server/src/routes/', import.meta.url));

/** `app.get('/x', …)`, `app.post<…>(\n '/x'`, and `route({method: [...], url: '/x'})`. */
export function discoverRoutes(): Route[] {
  const routes: Route[] = [];
  for (const file of readdirSync(routesDir)) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const text = readFileSync(routesDir + file, 'utf8');
    for (const m of text.matchAll(/\.(get|post|put|patch|delete)\s*(?:<[\s\S]*?>)?\s*\(\s*'(\/[^']*)'/g))
      routes.push({ method: m[1]!.toUpperCase(), path: m[2]! });
    for (const m of text.matchAll(/method:\s*(\[[^\]]*\]|'[A-Z]+')\s*,\s*url:\s*'(\/[^']*)'/g))
      for (const method of m[1]!.match(/[A-Z]+/g) ?? []) routes.push({ method, path: m[2]! });
  }
  return routes;
}

export interface RestRequest {
  route: Route;
  method: string;
  path: string;
  token: TokenKind;
  headers: Record<string, string>;
  body?: string;
  /** What was broken (for the summary). */
  kind: string;
  /** Must be refused (anything that could write), or answered with `"stored": 0`. */
  mustRefuse: boolean;
}

type Body = Record<string, unknown>;

/** Valid-looking bodies of the writing routes we know; the generator then breaks them. */
const TEMPLATES: Record<string, { body: (rng: Random) => Body; limits: Record<string, number> }> = {
  'POST /api/auth/login': {
    body: (rng) => ({ username: rng.pick(['commander', 'deqing', 'wall', MARKER]), password: `wrong-${MARKER}` }),
    limits: { username: 64, password: 256 },
  },
  'POST /api/operations': {
    body: (rng) => ({ name: MARKER, kind: rng.pick(['search', 'response', 'other']), stations: ['deqing-yuyue'] }),
    limits: { name: 120 },
  },
  'POST /api/operations/:id/units': {
    body: (rng) => ({ id: `${MARKER}-${rng.int(1e6)}`, callsign: MARKER, kind: 'car', stationId: 'deqing-yuyue' }),
    limits: { callsign: 40 },
  },
  'POST /api/devices': {
    body: (rng) => ({ id: `${MARKER}-${rng.int(1e6)}`, stationId: 'deqing-yuyue', unitId: null, label: MARKER }),
    limits: { label: 60 },
  },
};

const WRONG_TYPES: unknown[] = [1, -1.5, 1e308, true, null, [], {}, [MARKER], { [MARKER]: MARKER }, '', '0'];

/** One schema violation for sure; maybe more. */
function breakBody(rng: Random, body: Body, limits: Record<string, number>): [Body, string] {
  const keys = Object.keys(body);
  const key = rng.pick(keys);
  const b: Body = { ...body };
  let kind: string;
  switch (rng.int(6)) {
    case 0:
      b[`${MARKER}${rng.int(9)}`] = rng.pick(WRONG_TYPES);
      kind = 'extra property';
      break;
    case 1:
      b[key] = rng.pick(WRONG_TYPES.filter((v) => typeof v !== typeof body[key] || v === null));
      if (b[key] === body[key] || (b[key] === null && body[key] === null)) b[key] = 12345;
      kind = 'wrong type';
      break;
    case 2:
      delete b[key];
      // `unitId` and `label` may be omitted or null; drop a required one as well then.
      delete b[keys.find((k) => k === 'id' || k === 'name' || k === 'username' || k === 'callsign') ?? key];
      kind = 'missing field';
      break;
    case 3: {
      const field = rng.pick(Object.keys(limits));
      b[field] = MARKER.repeat(Math.ceil((limits[field]! + 1 + rng.int(5000)) / MARKER.length));
      kind = 'string too long';
      break;
    }
    case 4:
      if ('kind' in b) b.kind = `${MARKER}`;
      else b.password = '';
      kind = 'bad enum or empty';
      break;
    default:
      for (const k of ['stationId', 'stations', 'id', 'username'])
        if (k in b) b[k] = k === 'stations' ? ['../x', MARKER] : rng.pick(['a/b', '', ' ', `${MARKER}\u0000`, '行动']);
      kind = 'bad id pattern';
  }
  return [b, kind];
}

function param(rng: Random): string {
  return rng.pick([
    DEMO_OP,
    DEMO_OP,
    'no-such-op',
    MARKER,
    'a'.repeat(65),
    '..%2F..%2Fetc',
    '%00',
    '%E8%A1%8C%E5%8A%A8',
    'op%20x',
    MARKER.repeat(200),
    'soak-u-1',
    'yuyue-car-01',
    'bad%E0%A4%A',
    '%',
  ]);
}

function junkQuery(rng: Random): string {
  const pairs = [
    `${MARKER}=1`,
    `from=${rng.pick(['abc', '-1', '1e400', MARKER, '2024-13-45T99:99:99Z'])}`,
    `to=${rng.pick(['0', String(Date.now() + 1e12), 'x'.repeat(50)])}`,
    `stationId=${rng.pick(['linping-yunhe', '../x', MARKER])}`,
    `token=${MARKER}`,
    'from=1&from=2',
  ];
  const n = rng.int(3);
  return n === 0 ? '' : `?${Array.from({ length: n }, () => rng.pick(pairs)).join('&')}`;
}

const deepJson = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** A raw body that is not a JSON object at all, or too big, or too deep. */
function rawBody(rng: Random): [string, string] {
  switch (rng.int(8)) {
    case 0:
      return ['{"username":', 'truncated JSON'];
    case 1:
      return [rng.pick(['null', '[]', '"x"', '1e999', 'true', '{}']), 'JSON that is not an object'];
    case 2:
      return [deepJson(rng.pick([1_000, 100_000, 400_000])), 'deeply nested JSON'];
    case 3:
      return [`{"name":"${MARKER.repeat(110_000)}"}`, 'body above the limit'];
    case 4:
      return [String.fromCharCode(...Array.from({ length: 64 }, () => rng.int(256))), 'garbage bytes'];
    case 5:
      return ['{"__proto__":{"role":"commander"},"constructor":{"prototype":{"admin":true}}}', 'prototype pollution'];
    case 6:
      return [`{"a":1,"a":2,"${MARKER}":"\\ud800"}`, 'duplicate keys, lone surrogate'];
    default:
      return ['', 'empty body'];
  }
}

const CONTENT_TYPES = [
  'application/json',
  'application/json',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  MARKER,
];

const fill = (path: string, rng: Random) => path.replace(/:[A-Za-z]+/g, () => param(rng));

/** Fixes for the ingest route: unknown trackers, or known ones with a value out of range. */
function ingest(
  rng: Random,
  devices: readonly string[],
): { query: string; body?: string; type?: string; kind: string } {
  const known = devices.length > 0 && rng.chance(0.5);
  const id = known ? rng.pick(devices) : `${MARKER}-${rng.int(1e6)}`;
  const fix: Record<string, string> = {
    id,
    lat: '30.5',
    lon: '120.2',
    timestamp: String(Math.floor(Date.now() / 1000)),
    speed: '10',
  };
  // A known tracker always gets at least one value the ingest must refuse.
  const broken = rng.pick(['lat', 'lon', 'timestamp', 'timestamp', 'lat'] as const);
  if (known || rng.chance(0.5))
    fix[broken] =
      broken === 'timestamp'
        ? rng.pick([String(Date.now() + 86_400_000), '0', 'yesterday', '1e999', String(2 ** 62)])
        : rng.pick([
            broken === 'lat' ? '91' : '181',
            broken === 'lat' ? '-90.5' : '-181',
            'NaN',
            'Infinity',
            '',
            '1e400',
            MARKER,
          ]);
  if (rng.chance(0.2)) fix.speed = rng.pick(['-5', 'fast', '1e308']);
  const qs = new URLSearchParams(fix).toString();
  const kind = `${known ? 'known tracker, bad ' + broken : 'unknown tracker'}`;
  switch (rng.int(5)) {
    case 0:
      return { query: `?${qs}`, kind: `${kind} (query)` };
    case 1:
      return { query: '', body: qs, type: 'application/x-www-form-urlencoded', kind: `${kind} (form)` };
    case 2:
      return {
        query: '',
        body: JSON.stringify({
          location: {
            timestamp: rng.pick([new Date(Date.now() + 86_400_000).toISOString(), 'x', null]),
            coords: { latitude: Number(fix.lat) || 95, longitude: Number(fix.lon), speed: -1 },
          },
          device_id: id,
        }),
        type: 'application/json',
        kind: `${kind} (Traccar 9 JSON, bad time)`,
      };
    case 3:
      return {
        query: '',
        body: JSON.stringify(Array.from({ length: 1 + rng.int(150) }, () => ({ ...fix }))),
        type: 'application/json',
        kind: `${kind} (SDK JSON array)`,
      };
    default: {
      const [body, k] = rawBody(rng);
      return { query: rng.chance(0.5) ? `?id=${MARKER}` : '', body, type: rng.pick(CONTENT_TYPES), kind: k };
    }
  }
}

export function restRequest(rng: Random, routes: readonly Route[], devices: readonly string[]): RestRequest {
  const route = rng.pick(routes);
  const name = `${route.method} ${route.path}`;
  const writes = route.method !== 'GET';
  const headers: Record<string, string> = {};
  let token: TokenKind = rng.pick<TokenKind>([
    'commander',
    'commander',
    'deqing',
    'linping',
    'wall',
    'none',
    'garbage',
    'forged',
    'huge',
  ]);
  let path = fill(route.path, rng);
  let body: string | undefined;
  let kind: string;
  let method = route.method;

  if (route.path === '/api/positions/osmand') {
    const f = ingest(rng, devices);
    path += f.query;
    body = f.body;
    if (f.type) headers['content-type'] = f.type;
    kind = f.kind;
    method = f.body === undefined ? rng.pick(['GET', 'POST']) : 'POST';
  } else if (rng.chance(0.05)) {
    method = rng.pick(['PUT', 'DELETE', 'PATCH', 'OPTIONS']);
    kind = 'wrong method';
  } else if (writes) {
    const template = TEMPLATES[name];
    if (!template) {
      // A writing route we have no template for: only without a usable token.
      token = rng.pick<TokenKind>(['none', 'garbage', 'forged', 'huge']);
      [body, kind] = rng.chance(0.5) ? [JSON.stringify({ [MARKER]: 1 }), 'unknown route body'] : rawBody(rng);
      headers['content-type'] = 'application/json';
    } else if (rng.chance(0.25)) {
      [body, kind] = rawBody(rng);
      headers['content-type'] = rng.pick(CONTENT_TYPES);
    } else if (rng.chance(0.2) && name !== 'POST /api/auth/login') {
      // A valid-looking body that names something foreign, or a caller without the right.
      const b = template.body(rng);
      const foreign = rng.int(4);
      if (foreign === 0 && route.path.includes(':')) path = route.path.replace(/:[A-Za-z]+/g, 'no-such-op');
      else if (foreign <= 1) token = rng.pick<TokenKind>(['wall', 'none', 'forged']);
      else if (foreign === 2) {
        token = 'deqing';
        if ('stationId' in b) b.stationId = 'linping-yunhe';
        if ('stations' in b) b.stations = ['linping-yunhe'];
      } else {
        if ('stationId' in b) b.stationId = `${MARKER}-station`;
        if ('stations' in b) b.stations = [`${MARKER}-station`];
        if ('unitId' in b) b.unitId = `${MARKER}-unit`;
      }
      body = JSON.stringify(b);
      headers['content-type'] = 'application/json';
      kind = `foreign id or no right (${['unknown operation', 'no right', 'other station', 'unknown station/unit'][foreign]})`;
    } else {
      const [b, k] = breakBody(rng, template.body(rng), template.limits);
      body = JSON.stringify(b);
      headers['content-type'] = 'application/json';
      kind = k;
    }
  } else {
    path += junkQuery(rng);
    kind = 'read with junk parameters';
    if (route.path === '/api/basemap/pmtiles/:id')
      headers.range = rng.pick(['bytes=0-', 'bytes=99999999-1', 'bytes=-5', MARKER]);
  }
  return {
    route,
    method,
    path,
    token,
    headers,
    body,
    kind,
    mustRefuse: (method !== 'GET' && method !== 'OPTIONS') || route.path === '/api/positions/osmand',
  };
}
