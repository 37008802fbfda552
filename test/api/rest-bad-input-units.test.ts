import { expect, test } from 'vitest';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { api, setUpWukang } from '../live/live-helpers.ts';
import { callers, expectRefused, expectServing, storedState, type BadCall } from './bad-input.ts';

const OWN = 'deqing-yuyue';
const OTHER = 'linping-yunhe';
const UNITS = `/api/operations/${DEMO_OP}/units`;
/** A valid unit for the dispatcher's own roster; each call spoils one thing. */
const good = { id: 'yuyue-car-09', callsign: '禹越巡09', kind: 'car', stationId: OWN };

const post = (name: string, json: unknown, status: number, code: string, as?: BadCall['as']): BadCall => ({
  name,
  method: 'POST',
  path: UNITS,
  json,
  status,
  code,
  ...(as ? { as } : {}),
});
const bad = (name: string, json: unknown) => post(name, json, 400, 'INVALID_PAYLOAD');
const get = (name: string, path: string, status: number, code: string, as?: BadCall['as']): BadCall => ({
  name,
  method: 'GET',
  path,
  status,
  code,
  ...(as ? { as } : {}),
});

/**
 * `POST /api/operations/:id/units` (roster writes) and `GET /api/units/:id/track` (tracks),
 * server/src/routes/units.ts.
 */
test('units and tracks: malformed bodies, wrong types and foreign ids get a coded 4xx and store nothing', async (t) => {
  const server = await startServer(t, { maxBodyBytes: 16 * 1024 });
  const tokens = await callers(server);
  // 武康: a station and operation outside the demo operation, with unit `wk-car-1`.
  const { operationId: wukangOp } = await setUpWukang(server, tokens.commander!);
  const before = await storedState(server);
  const day = 24 * 3600_000;
  const now = Date.now();

  const calls: BadCall[] = [
    // Malformed bodies.
    { name: 'truncated JSON', method: 'POST', path: UNITS, raw: '{"callsign":"', status: 400, code: 'INVALID_PAYLOAD' },
    { name: 'empty JSON body', method: 'POST', path: UNITS, raw: '', status: 400, code: 'INVALID_PAYLOAD' },
    bad('JSON array', [good]),
    bad('JSON number', 42),
    {
      name: 'text instead of JSON',
      method: 'POST',
      path: UNITS,
      raw: 'callsign=x',
      contentType: 'text/plain',
      status: 400,
      code: 'INVALID_PAYLOAD',
    },
    post('body over the limit', { ...good, members: Array(20).fill('x'.repeat(1000)) }, 413, 'PAYLOAD_TOO_LARGE'),
    // Missing, extra and wrongly typed fields.
    bad('no callsign', { id: good.id, kind: 'car', stationId: OWN }),
    bad('no stationId', { id: good.id, callsign: 'x', kind: 'car' }),
    bad('extra field', { ...good, deviceIds: ['demo-yuyue-01'] }),
    bad('callsign a number', { ...good, callsign: 9 }),
    bad('callsign empty', { ...good, callsign: '' }),
    bad('callsign too long', { ...good, callsign: 'x'.repeat(41) }),
    bad('unknown kind', { ...good, kind: 'tank' }),
    bad('kind in capitals', { ...good, kind: 'CAR' }),
    bad('unknown status', { ...good, status: 'asleep' }),
    bad('members a string', { ...good, members: '张三' }),
    bad('members with a number', { ...good, members: ['张三', 7] }),
    bad('too many members', { ...good, members: Array.from({ length: 21 }, (_, i) => `m${i}`) }),
    bad('id with a slash', { ...good, id: 'a/b' }),
    bad('id a number', { ...good, id: 9 }),
    bad('stationId with a space', { ...good, stationId: 'deqing yuyue' }),
    { ...bad('operation id with a space', good), path: '/api/operations/demo%20tricounty/units' },
    // Foreign ids: another station's roster, a station or operation the caller is not part of.
    post('write another station’s roster', { ...good, stationId: OTHER }, 403, 'FORBIDDEN'),
    post('overwrite another station’s unit', { ...good, id: 'yunhe-car-01', stationId: OTHER }, 403, 'FORBIDDEN'),
    post('a station not in the operation', { ...good, stationId: 'wukang' }, 400, 'INVALID_PAYLOAD'),
    post('a station that does not exist', { ...good, stationId: 'nowhere' }, 400, 'INVALID_PAYLOAD', 'commander'),
    post('the command document is no roster', { ...good, stationId: 'command' }, 400, 'INVALID_PAYLOAD', 'commander'),
    { ...post('an operation of other stations', good, 404, 'NOT_FOUND'), path: `/api/operations/${wukangOp}/units` },
    { ...post('an unknown operation', good, 404, 'NOT_FOUND'), path: '/api/operations/no-such-op/units' },
    post('wall display writes', good, 403, 'FORBIDDEN', 'wall'),
    post('no token', good, 401, 'UNAUTHENTICATED', 'none'),
    post('expired token', good, 401, 'TOKEN_EXPIRED', 'expired'),
    // Tracks: bad windows and parameters.
    get('from is no time', '/api/units/yuyue-car-01/track?from=yesterday', 400, 'INVALID_PAYLOAD'),
    get('to is no date', '/api/units/yuyue-car-01/track?to=2026-13-45T00:00:00Z', 400, 'INVALID_PAYLOAD'),
    get('negative from', '/api/units/yuyue-car-01/track?from=-5', 400, 'INVALID_PAYLOAD'),
    get('from after to', `/api/units/yuyue-car-01/track?from=${now}&to=${now - 1000}`, 400, 'INVALID_PAYLOAD'),
    get('window over 7 days', `/api/units/yuyue-car-01/track?from=${now - 8 * day}&to=${now}`, 400, 'INVALID_PAYLOAD'),
    get('from beyond any date', `/api/units/yuyue-car-01/track?from=${'9'.repeat(30)}`, 400, 'INVALID_PAYLOAD'),
    get('from too long', `/api/units/yuyue-car-01/track?from=${'1'.repeat(41)}`, 400, 'INVALID_PAYLOAD'),
    get('unknown parameter', '/api/units/yuyue-car-01/track?limit=5', 400, 'INVALID_PAYLOAD'),
    get('two station ids', `/api/units/yuyue-car-01/track?stationId=${OWN}&stationId=${OTHER}`, 400, 'INVALID_PAYLOAD'),
    get('unit id with a space', '/api/units/yuyue%20car/track', 400, 'INVALID_PAYLOAD'),
    // Tracks: foreign ids.
    get('unit of a station outside the operation', '/api/units/wk-car-1/track', 404, 'NOT_FOUND'),
    get('named station outside the operation', '/api/units/wk-car-1/track?stationId=wukang', 404, 'NOT_FOUND'),
    get('own unit id under another station', `/api/units/yuyue-car-01/track?stationId=${OTHER}`, 404, 'NOT_FOUND'),
    get('unknown unit', '/api/units/no-such-unit/track', 404, 'NOT_FOUND'),
    get('track without token', '/api/units/yuyue-car-01/track', 401, 'UNAUTHENTICATED', 'none'),
  ];
  await expectRefused(server, tokens, calls);
  expect(await storedState(server)).toEqual(before);
  // The same body, unspoilt, is written.
  const res = await api(server, tokens.deqing!, 'POST', UNITS, good);
  expect(res.status).toBe(201);
  expect(await storedState(server)).not.toEqual(before); // the check above would have seen a write
  await expectServing(server, tokens.deqing!);
});
