import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { loadBasemaps } from '@jointmap/server/config';
import { DEMO_OP, startServer, tempDir } from '../helpers/server.ts';
import { setUpWukang } from '../live/live-helpers.ts';
import { callers, expectRefused, expectServing, storedState, type BadCall } from './bad-input.ts';

const get = (name: string, path: string, status: number, code: string, extra: Partial<BadCall> = {}): BadCall => ({
  name,
  method: 'GET',
  path,
  status,
  code,
  ...extra,
});
const ingest = (name: string, raw: string, contentType: string, status = 400, code = 'INVALID_PAYLOAD'): BadCall => ({
  name,
  method: 'POST',
  path: '/api/positions/osmand',
  raw,
  contentType,
  as: 'none',
  status,
  code,
});

/**
 * Positions (server/src/routes/positions.ts; every ingest format in detail in
 * test/live/ingest-refusals.test.ts), basemaps (basemap.ts), health and metrics (health.ts) and a
 * plain HTTP request to the sync endpoint (sync.ts).
 */
test('positions, basemaps, metrics and sync over HTTP: bad input gets a coded 4xx and stores nothing', async (t) => {
  const dir = tempDir();
  writeFileSync(join(dir, 'city.pmtiles'), Buffer.alloc(1000, 7));
  const file = join(dir, 'basemaps.json');
  writeFileSync(
    file,
    JSON.stringify([
      { id: 'city', name: '市局影像', type: 'pmtiles', file: 'city.pmtiles', crs: 'CGCS2000' },
      { id: 'gaode', name: '内网电子地图', type: 'xyz', url: 'http://10.0.0.1/{z}/{x}/{y}.png', crs: 'GCJ-02' },
    ]),
  );
  const server = await startServer(t, { basemaps: loadBasemaps(file), metricsToken: 'scrape-secret-1' });
  const tokens = await callers(server);
  const { operationId: wukangOp } = await setUpWukang(server, tokens.commander!);
  const before = await storedState(server);
  const fix = 'id=demo-yuyue-01&lat=30.55&lon=120.2';

  const calls: BadCall[] = [
    // Latest positions of an operation.
    get('positions of an unknown operation', '/api/operations/no-such-op/positions', 404, 'NOT_FOUND'),
    get('positions of an operation of other stations', `/api/operations/${wukangOp}/positions`, 404, 'NOT_FOUND'),
    get('positions with a bad operation id', '/api/operations/a%20b/positions', 400, 'INVALID_PAYLOAD'),
    // The report's map: only for operations the caller may see.
    get('report map of an unknown operation', '/api/operations/no-such-op/report/map', 404, 'NOT_FOUND'),
    get('report map of an operation of other stations', `/api/operations/${wukangOp}/report/map`, 404, 'NOT_FOUND'),
    get('report map without token', `/api/operations/${DEMO_OP}/report/map`, 401, 'UNAUTHENTICATED', { as: 'none' }),
    get('positions without token', `/api/operations/${DEMO_OP}/positions`, 401, 'UNAUTHENTICATED', { as: 'none' }),
    get('positions with expired token', `/api/operations/${DEMO_OP}/positions`, 401, 'TOKEN_EXPIRED', {
      as: 'expired',
    }),
    // Ingest (public): malformed bodies, wrong types, unknown or unassigned devices.
    ingest('truncated JSON', '{"location":{"coords":', 'application/json'),
    ingest('JSON null', 'null', 'application/json'),
    ingest('latitude a word', 'id=demo-yuyue-01&lat=north&lon=120.2', 'application/x-www-form-urlencoded'),
    ingest('latitude twice', `${fix}&lat=31`, 'application/x-www-form-urlencoded'),
    ingest('device id twice', `${fix}&id=demo-yunhe-01`, 'application/x-www-form-urlencoded'),
    ingest('device id with a slash', 'id=a/b&lat=30.5&lon=120.2', 'application/x-www-form-urlencoded'),
    // Neither lat nor lon is a heartbeat (acknowledged); one of them alone is refused.
    ingest('half a position', 'id=demo-yuyue-01&lat=30.5', 'application/x-www-form-urlencoded'),
    ingest('unknown device', 'id=nobody-9&lat=30.5&lon=120.2', 'application/x-www-form-urlencoded', 404, 'NOT_FOUND'),
    get('ingest by GET without parameters', '/api/positions/osmand', 400, 'INVALID_PAYLOAD', { as: 'none' }),
    // Basemaps.
    get('unknown basemap file', '/api/basemap/pmtiles/nope', 404, 'NOT_FOUND'),
    get('an XYZ basemap has no file', '/api/basemap/pmtiles/gaode', 404, 'NOT_FOUND'),
    get('a path instead of an id', '/api/basemap/pmtiles/..%2F..%2Fetc%2Fpasswd', 404, 'NOT_FOUND'),
    get('range that ends before it starts', '/api/basemap/pmtiles/city', 416, 'INVALID_PAYLOAD', {
      headers: { range: 'bytes=50-10' },
    }),
    get('range past the end of the file', '/api/basemap/pmtiles/city', 416, 'INVALID_PAYLOAD', {
      headers: { range: 'bytes=5000-' },
    }),
    get('basemap file without token', '/api/basemap/pmtiles/city', 401, 'UNAUTHENTICATED', { as: 'none' }),
    get('basemap config without token', '/api/basemap/config', 401, 'UNAUTHENTICATED', { as: 'none' }),
    // Metrics: METRICS_TOKEN or a commander only.
    get('metrics without token', '/api/metrics', 401, 'UNAUTHENTICATED', { as: 'none' }),
    get('metrics as dispatcher', '/api/metrics', 403, 'FORBIDDEN'),
    get('metrics with a wrong scrape token', '/api/metrics', 401, 'UNAUTHENTICATED', {
      as: 'none',
      headers: { authorization: 'Bearer scrape-secret-2' },
    }),
    // The sync endpoint speaks WebSocket only.
    get('sync without upgrade', `/sync/${DEMO_OP}/deqing-yuyue`, 404, 'NOT_FOUND', { as: 'none' }),
  ];
  await expectRefused(server, tokens, calls);
  expect(await storedState(server)).toEqual(before);
  // A good fix from the same tracker is stored.
  const res = await fetch(`${server.url}/api/positions/osmand?${fix}`, { method: 'POST' });
  expect(res.status).toBe(200);
  expect(await storedState(server)).not.toEqual(before); // the check above would have seen a write
  await expectServing(server, tokens.deqing!);
});
