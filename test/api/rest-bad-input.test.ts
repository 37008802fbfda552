import { describe, expect, test } from 'vitest';
import { DEMO_OP, DEMO_PASSWORD, startServer } from '../helpers/server.ts';

interface Call {
  name: string;
  method: string;
  path: string;
  body?: string;
  auth?: 'valid' | 'none' | 'expired' | 'forged' | 'dispatcher';
  contentType?: string;
  status: number;
  code: string;
}

describe('REST bad input', () => {
  test('every route answers bad input with a coded JSON error and changes nothing', async (t) => {
    const server = await startServer(t, { maxBodyBytes: 16 * 1024 });
    const { token } = await server.login('commander');
    const dispatcher = (await server.login('deqing')).token;
    const expired = server.ctx.tokens.issue(
      { sub: 'u-commander', role: 'commander', stationId: null, name: 'x' },
      -1,
    ).token;
    const before = (await server.ctx.storage.listOperations()).length;
    const calls: Call[] = [
      {
        name: 'login malformed JSON',
        method: 'POST',
        path: '/api/auth/login',
        body: '{"username":',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'login wrong types',
        method: 'POST',
        path: '/api/auth/login',
        body: '{"username":1,"password":[]}',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'login missing fields',
        method: 'POST',
        path: '/api/auth/login',
        body: '{}',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'login extra fields',
        method: 'POST',
        path: '/api/auth/login',
        body: '{"username":"a","password":"b","admin":true}',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'login wrong password',
        method: 'POST',
        path: '/api/auth/login',
        body: '{"username":"commander","password":"wrong"}',
        status: 401,
        code: 'UNAUTHENTICATED',
      },
      {
        name: 'login unknown user',
        method: 'POST',
        path: '/api/auth/login',
        body: '{"username":"nobody","password":"wrong"}',
        status: 401,
        code: 'UNAUTHENTICATED',
      },
      {
        name: 'login as form',
        method: 'POST',
        path: '/api/auth/login',
        body: 'username=a',
        contentType: 'text/plain',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'list without token',
        method: 'GET',
        path: '/api/operations',
        auth: 'none',
        status: 401,
        code: 'UNAUTHENTICATED',
      },
      {
        name: 'list with expired token',
        method: 'GET',
        path: '/api/operations',
        auth: 'expired',
        status: 401,
        code: 'TOKEN_EXPIRED',
      },
      {
        name: 'list with forged token',
        method: 'GET',
        path: '/api/operations',
        auth: 'forged',
        status: 401,
        code: 'UNAUTHENTICATED',
      },
      {
        name: 'create malformed JSON',
        method: 'POST',
        path: '/api/operations',
        body: '{"name"',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'create wrong types',
        method: 'POST',
        path: '/api/operations',
        body: '{"name":5,"kind":"search","stations":"x"}',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'create unknown kind',
        method: 'POST',
        path: '/api/operations',
        body: '{"name":"a","kind":"party","stations":["deqing-yuyue"]}',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'create unknown station',
        method: 'POST',
        path: '/api/operations',
        body: '{"name":"a","kind":"search","stations":["nowhere"]}',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'create bad id',
        method: 'POST',
        path: '/api/operations',
        body: '{"id":"a/b","name":"a","kind":"search","stations":["deqing-yuyue"]}',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'create duplicate id',
        method: 'POST',
        path: '/api/operations',
        body: `{"id":"${DEMO_OP}","name":"a","kind":"search","stations":["deqing-yuyue"]}`,
        status: 409,
        code: 'CONFLICT',
      },
      {
        name: 'create as dispatcher',
        method: 'POST',
        path: '/api/operations',
        body: '{"name":"a","kind":"search","stations":["deqing-yuyue"]}',
        auth: 'dispatcher',
        status: 403,
        code: 'FORBIDDEN',
      },
      {
        name: 'create huge body',
        method: 'POST',
        path: '/api/operations',
        body: JSON.stringify({ name: 'x'.repeat(40_000), kind: 'search', stations: [] }),
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
      },
      { name: 'get unknown operation', method: 'GET', path: '/api/operations/nope', status: 404, code: 'NOT_FOUND' },
      {
        name: 'get malformed id',
        method: 'GET',
        path: '/api/operations/%E4%BD%A0%20%3B',
        status: 400,
        code: 'INVALID_PAYLOAD',
      },
      {
        name: 'jurisdictions of unknown operation',
        method: 'GET',
        path: '/api/operations/nope/jurisdictions.geojson',
        status: 404,
        code: 'NOT_FOUND',
      },
      { name: 'unknown route', method: 'GET', path: '/api/nothing', status: 404, code: 'NOT_FOUND' },
      {
        name: 'encoded path to an API route without token',
        method: 'GET',
        path: '/%61pi/auth/me',
        auth: 'none',
        status: 401,
        code: 'UNAUTHENTICATED',
      },
    ];
    for (const c of calls) {
      const headers: Record<string, string> = {};
      if (c.body !== undefined) headers['content-type'] = c.contentType ?? 'application/json';
      const auth = c.auth ?? 'valid';
      if (auth === 'valid') headers.authorization = `Bearer ${token}`;
      if (auth === 'expired') headers.authorization = `Bearer ${expired}`;
      if (auth === 'forged') headers.authorization = `Bearer ${token.slice(0, -3)}xyz`;
      if (auth === 'dispatcher') headers.authorization = `Bearer ${dispatcher}`;
      const res = await fetch(`${server.url}${c.path}`, { method: c.method, headers, body: c.body });
      const body = (await res.json()) as { error?: { code: string; message: string } };
      expect({ name: c.name, status: res.status, code: body.error?.code }).toEqual({
        name: c.name,
        status: c.status,
        code: c.code,
      });
      expect(body.error?.message, c.name).toBeTruthy();
    }
    expect((await server.ctx.storage.listOperations()).length).toBe(before);
    // Still serving.
    const ok = await fetch(`${server.url}/api/operations/${DEMO_OP}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(ok.status).toBe(200);
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
