import { expect, test } from 'vitest';
import { startServer } from '../helpers/server.ts';
import { api, setUpWukang } from '../live/live-helpers.ts';
import { callers, expectRefused, expectServing, storedState, type BadCall } from './bad-input.ts';

const OWN = 'deqing-yuyue';
const OTHER = 'linping-yunhe';
/** A valid registration of a spare tracker to the dispatcher's own station; each call spoils one thing. */
const good = { id: 'spare-7', stationId: OWN, unitId: null };

const post = (name: string, json: unknown, status: number, code: string, as?: BadCall['as']): BadCall => ({
  name,
  method: 'POST',
  path: '/api/devices',
  json,
  status,
  code,
  ...(as ? { as } : {}),
});
const bad = (name: string, json: unknown) => post(name, json, 400, 'INVALID_PAYLOAD');

/** `POST /api/devices` and `GET /api/devices` (tracker registration), server/src/routes/devices.ts. */
test('devices: malformed bodies, wrong types and foreign ids get a coded 4xx and store nothing', async (t) => {
  const server = await startServer(t, { maxBodyBytes: 16 * 1024 });
  const tokens = await callers(server);
  // 武康: a station outside the demo operation, with its own unit and tracker `wk-1`.
  await setUpWukang(server, tokens.commander!);
  const before = await storedState(server);

  const calls: BadCall[] = [
    // Malformed bodies.
    {
      name: 'truncated JSON',
      method: 'POST',
      path: '/api/devices',
      raw: '{"id":',
      status: 400,
      code: 'INVALID_PAYLOAD',
    },
    { name: 'empty JSON body', method: 'POST', path: '/api/devices', raw: '', status: 400, code: 'INVALID_PAYLOAD' },
    bad('JSON null', null),
    bad('JSON array', [good]),
    bad('JSON string', 'spare-7'),
    {
      name: 'form instead of JSON',
      method: 'POST',
      path: '/api/devices',
      raw: 'id=spare-7&stationId=deqing-yuyue',
      contentType: 'application/x-www-form-urlencoded',
      status: 400,
      code: 'INVALID_PAYLOAD',
    },
    {
      name: 'body over the limit',
      method: 'POST',
      path: '/api/devices',
      json: { ...good, label: 'x'.repeat(20_000) },
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
    // Missing, extra and wrongly typed fields.
    bad('no unitId', { id: 'spare-7', stationId: OWN }),
    bad('no id', { stationId: OWN, unitId: null }),
    bad('extra field', { ...good, owner: 'me' }),
    bad('id a number', { ...good, id: 7 }),
    bad('id empty', { ...good, id: '' }),
    bad('id with a space and slash', { ...good, id: 'a b/c' }),
    bad('id too long', { ...good, id: 'x'.repeat(65) }),
    bad('stationId an array', { ...good, stationId: [OWN] }),
    bad('stationId with a dot', { ...good, stationId: 'deqing.yuyue' }),
    bad('unitId a number', { ...good, unitId: 1 }),
    bad('unitId an object', { ...good, unitId: { id: 'yuyue-car-01' } }),
    bad('label a number', { ...good, label: 5 }),
    bad('label empty', { ...good, label: '' }),
    bad('label too long', { ...good, label: 'x'.repeat(61) }),
    bad('label with a NUL (PostgreSQL refuses it)', { ...good, label: '禹越\u0000巡' }),
    // Foreign ids: another station's station, unit or device.
    post('register to another station', { ...good, stationId: OTHER }, 403, 'FORBIDDEN'),
    post('own station, another station’s unit', { ...good, unitId: 'yunhe-car-01' }, 400, 'INVALID_PAYLOAD'),
    post('own station, a unit of no station', { ...good, unitId: 'no-such-unit' }, 400, 'INVALID_PAYLOAD'),
    post('take another station’s device', { ...good, id: 'demo-yunhe-01' }, 403, 'FORBIDDEN'),
    post(
      'take another station’s device to its unit',
      { id: 'demo-yunhe-01', stationId: OTHER, unitId: 'yunhe-car-01', label: 'mine' },
      403,
      'FORBIDDEN',
    ),
    post('take a device of a station outside the operation', { ...good, id: 'wk-1' }, 403, 'FORBIDDEN'),
    post(
      'commander moves a device that reports for another station',
      { ...good, id: 'demo-yunhe-01' },
      409,
      'CONFLICT',
      'commander',
    ),
    post('commander: unknown station', { ...good, stationId: 'nowhere' }, 400, 'INVALID_PAYLOAD', 'commander'),
    post(
      'commander: the command scope is no station',
      { ...good, stationId: 'command' },
      400,
      'INVALID_PAYLOAD',
      'commander',
    ),
    post('commander: unit of another station', { ...good, unitId: 'wk-car-1' }, 400, 'INVALID_PAYLOAD', 'commander'),
    post('wall display registers', good, 403, 'FORBIDDEN', 'wall'),
    post('no token', good, 401, 'UNAUTHENTICATED', 'none'),
    post('expired token', good, 401, 'TOKEN_EXPIRED', 'expired'),
    post('forged token', good, 401, 'UNAUTHENTICATED', 'forged'),
    // Listing.
    {
      name: 'list another station',
      method: 'GET',
      path: `/api/devices?stationId=${OTHER}`,
      status: 403,
      code: 'FORBIDDEN',
    },
    { name: 'list as wall display', method: 'GET', path: '/api/devices', as: 'wall', status: 403, code: 'FORBIDDEN' },
    {
      name: 'list bad station id',
      method: 'GET',
      path: '/api/devices?stationId=a%20b',
      status: 400,
      code: 'INVALID_PAYLOAD',
    },
    {
      name: 'list two station ids',
      method: 'GET',
      path: `/api/devices?stationId=${OWN}&stationId=${OTHER}`,
      status: 400,
      code: 'INVALID_PAYLOAD',
    },
    { name: 'list unknown parameter', method: 'GET', path: '/api/devices?all=1', status: 400, code: 'INVALID_PAYLOAD' },
    {
      name: 'list without token',
      method: 'GET',
      path: '/api/devices',
      as: 'none',
      status: 401,
      code: 'UNAUTHENTICATED',
    },
  ];
  await expectRefused(server, tokens, calls);
  expect(await storedState(server)).toEqual(before);
  // The dispatcher still registers its own spare tracker.
  const res = await api(server, tokens.deqing!, 'POST', '/api/devices', good);
  expect(res.status).toBe(201);
  expect(await storedState(server)).not.toEqual(before); // the check above would have seen a write
  await expectServing(server, tokens.deqing!);
});
