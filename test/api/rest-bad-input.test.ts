import { describe, expect, test } from 'vitest';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';
import { setUpWukang } from '../live/live-helpers.ts';
import { callers, expectRefused, expectServing, storedState, type BadCall } from './bad-input.ts';

describe('REST bad input', () => {
  test('auth and operations: bad input gets a coded JSON error and changes nothing', async (t) => {
    const server = await startServer(t, { maxBodyBytes: 16 * 1024 });
    const tokens = await callers(server);
    // 武康: an operation of a station outside the demo operation (foreign to every demo dispatcher).
    const { operationId: wukangOp } = await setUpWukang(server, tokens.commander!);
    const before = await storedState(server);
    const calls: BadCall[] = [
      {
        name: 'login malformed JSON',
        method: 'POST',
        path: '/api/auth/login',
        raw: '{"username":',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'login wrong types',
        method: 'POST',
        path: '/api/auth/login',
        raw: '{"username":1,"password":[]}',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'login missing fields',
        method: 'POST',
        path: '/api/auth/login',
        raw: '{}',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'login extra fields',
        method: 'POST',
        path: '/api/auth/login',
        raw: '{"username":"a","password":"b","admin":true}',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'login wrong password',
        method: 'POST',
        path: '/api/auth/login',
        raw: '{"username":"commander","password":"wrong"}',
        status: 401,
        code: 'UNAUTHENTICATED',
      },
      {
        name: 'login unknown user',
        method: 'POST',
        path: '/api/auth/login',
        raw: '{"username":"nobody","password":"wrong"}',
        status: 401,
        code: 'UNAUTHENTICATED',
      },
      {
        name: 'login as form',
        method: 'POST',
        path: '/api/auth/login',
        raw: 'username=a',
        contentType: 'text/plain',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'list without token',
        method: 'GET',
        path: '/api/operations',
        as: 'none',
        status: 401,
        code: 'UNAUTHENTICATED',
      },
      {
        name: 'list with expired token',
        method: 'GET',
        path: '/api/operations',
        as: 'expired',
        status: 401,
        code: 'TOKEN_EXPIRED',
      },
      {
        name: 'list with forged token',
        method: 'GET',
        path: '/api/operations',
        as: 'forged',
        status: 401,
        code: 'UNAUTHENTICATED',
      },
      {
        name: 'create malformed JSON',
        method: 'POST',
        path: '/api/operations',
        raw: '{"name"',
        as: 'commander',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'create with a NUL in the name (PostgreSQL refuses it)',
        method: 'POST',
        path: '/api/operations',
        raw: JSON.stringify({ name: '禹越\u0000搜寻', kind: 'search', stations: ['deqing-yuyue'] }),
        as: 'commander',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'create wrong types',
        method: 'POST',
        path: '/api/operations',
        raw: '{"name":5,"kind":"search","stations":"x"}',
        as: 'commander',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'create unknown kind',
        method: 'POST',
        path: '/api/operations',
        raw: '{"name":"a","kind":"party","stations":["deqing-yuyue"]}',
        as: 'commander',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'create unknown station',
        method: 'POST',
        path: '/api/operations',
        raw: '{"name":"a","kind":"search","stations":["nowhere"]}',
        as: 'commander',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'create bad id',
        method: 'POST',
        path: '/api/operations',
        raw: '{"id":"a/b","name":"a","kind":"search","stations":["deqing-yuyue"]}',
        as: 'commander',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'create duplicate id',
        method: 'POST',
        path: '/api/operations',
        raw: `{"id":"${DEMO_OP}","name":"a","kind":"search","stations":["deqing-yuyue"]}`,
        as: 'commander',
        status: 409,
        code: 'CONFLICT',
      },
      {
        name: 'create as dispatcher',
        method: 'POST',
        path: '/api/operations',
        raw: '{"name":"a","kind":"search","stations":["deqing-yuyue"]}',
        as: 'deqing',
        status: 403,
        code: 'FORBIDDEN',
      },
      {
        name: 'create huge body',
        method: 'POST',
        path: '/api/operations',
        raw: JSON.stringify({ name: 'x'.repeat(40_000), kind: 'search', stations: [] }),
        as: 'commander',
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
      },
      {
        name: 'get unknown operation',
        method: 'GET',
        path: '/api/operations/nope',
        as: 'commander',
        status: 404,
        code: 'NOT_FOUND',
      },
      {
        name: 'get malformed id',
        method: 'GET',
        path: '/api/operations/%E4%BD%A0%20%3B',
        as: 'commander',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'jurisdictions of unknown operation',
        method: 'GET',
        path: '/api/operations/nope/jurisdictions.geojson',
        as: 'commander',
        status: 404,
        code: 'NOT_FOUND',
      },
      { name: 'unknown route', method: 'GET', path: '/api/nothing', as: 'commander', status: 404, code: 'NOT_FOUND' },
      {
        name: 'encoded path to an API route without token',
        method: 'GET',
        path: '/%61pi/auth/me',
        as: 'none',
        status: 401,
        code: 'UNAUTHENTICATED',
      },
      // Sessions: sign-out and renewal need a live token; neither reads a body.
      {
        name: 'logout without token',
        method: 'POST',
        path: '/api/auth/logout',
        as: 'none',
        status: 401,
        code: 'UNAUTHENTICATED',
      },
      {
        name: 'logout with expired token',
        method: 'POST',
        path: '/api/auth/logout',
        as: 'expired',
        status: 401,
        code: 'TOKEN_EXPIRED',
      },
      {
        name: 'logout with malformed JSON',
        method: 'POST',
        path: '/api/auth/logout',
        raw: '{"all":',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'renew without token',
        method: 'POST',
        path: '/api/auth/renew',
        as: 'none',
        status: 401,
        code: 'UNAUTHENTICATED',
      },
      {
        name: 'renew with forged token',
        method: 'POST',
        path: '/api/auth/renew',
        as: 'forged',
        status: 401,
        code: 'UNAUTHENTICATED',
      },
      {
        name: 'renew with malformed JSON',
        method: 'POST',
        path: '/api/auth/renew',
        raw: '[',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'me without token',
        method: 'GET',
        path: '/api/auth/me',
        as: 'none',
        status: 401,
        code: 'UNAUTHENTICATED',
      },
      // Foreign ids: an operation of other stations is unknown to a dispatcher.
      {
        name: 'get operation of other stations',
        method: 'GET',
        path: `/api/operations/${wukangOp}`,
        status: 404,
        code: 'NOT_FOUND',
      },
      {
        name: 'jurisdictions of operation of other stations',
        method: 'GET',
        path: `/api/operations/${wukangOp}/jurisdictions.geojson`,
        status: 404,
        code: 'NOT_FOUND',
      },
      {
        name: 'timeline in operation of other stations',
        method: 'GET',
        path: `/api/operations/${wukangOp}/tasks/t-1/timeline`,
        status: 404,
        code: 'NOT_FOUND',
      },
      {
        name: 'timeline of unknown task',
        method: 'GET',
        path: `/api/operations/${DEMO_OP}/tasks/no-such-task/timeline`,
        status: 404,
        code: 'NOT_FOUND',
      },
      {
        name: 'timeline with bad task id',
        method: 'GET',
        path: `/api/operations/${DEMO_OP}/tasks/a%20b/timeline`,
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'create operation as wall display',
        method: 'POST',
        path: '/api/operations',
        json: { name: 'a', kind: 'search', stations: ['deqing-yuyue'] },
        as: 'wall',
        status: 403,
        code: 'FORBIDDEN',
      },
      {
        name: 'create operation with no stations',
        method: 'POST',
        path: '/api/operations',
        json: { name: 'a', kind: 'search', stations: [] },
        as: 'commander',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'create operation with a station twice',
        method: 'POST',
        path: '/api/operations',
        json: { name: 'a', kind: 'search', stations: ['deqing-yuyue', 'deqing-yuyue'] },
        as: 'commander',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'create operation with the command scope as station',
        method: 'POST',
        path: '/api/operations',
        json: { name: 'a', kind: 'search', stations: ['command'] },
        as: 'commander',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
    ];
    await expectRefused(server, tokens, calls);
    expect(await storedState(server)).toEqual(before);
    await expectServing(server, tokens.commander!);
  });

  test('login attempts are rate-limited per address and user name', async (t) => {
    const server = await startServer(t, { loginRateLimit: 5 });
    const attempt = () =>
      fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"username":"deqing","password":"guess"}',
      });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await attempt()).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    // A client cannot pick its own address to escape the limit (no proxy is trusted by default).
    const spoofed = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '10.9.8.7' },
      body: '{"username":"deqing","password":"guess"}',
    });
    expect(spoofed.status).toBe(429);
    // Another user name from the same address is not blocked.
    expect((await server.login('linping')).token).toBeTruthy();
  });

  test('spraying user names from one address hits a per-address limit; other addresses still log in', async (t) => {
    // Behind a trusted proxy (127.0.0.1), X-Forwarded-For names the client.
    const server = await startServer(t, { loginAddressRateLimit: 5, trustProxy: ['127.0.0.1'] });
    const attempt = (from: string, username: string, password = 'guess') =>
      fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
        body: JSON.stringify({ username, password }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await attempt('10.1.1.1', `sprayed-${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    // A sixth name from the same address is refused before any password is checked …
    const limited = await attempt('10.1.1.1', 'sprayed-5');
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    // … even with a right password, while another address is served as usual.
    expect((await attempt('10.1.1.1', 'deqing', DEMO_PASSWORD)).status).toBe(429);
    expect((await attempt('10.2.2.2', 'deqing', DEMO_PASSWORD)).status).toBe(200);
    const { token } = await server.login('commander');
    const metrics = await (
      await fetch(`${server.url}/api/metrics`, { headers: { authorization: `Bearer ${token}` } })
    ).text();
    expect(metrics).toMatch(/jointmap_logins_total\{result="rate_limited"\} [2-9]/);
  });
});
