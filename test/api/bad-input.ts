import { expect } from 'vitest';
import { docName } from '@jointmap/shared';
import type { TestServer } from '../helpers/server.ts';

/** Who sends a call: a demo login, no token, or a token that is expired or forged. */
export type Caller = 'commander' | 'deqing' | 'linping' | 'wall' | 'none' | 'expired' | 'forged';

/** One refused request and the coded error it must get. */
export interface BadCall {
  name: string;
  method: string;
  path: string;
  /** Sent as is (malformed JSON, forms, text). */
  raw?: string;
  /** Sent as JSON. */
  json?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** Default `deqing` (a dispatcher of 德清禹越). */
  as?: Caller;
  status: number;
  code: string;
}

/** Tokens of the demo logins, an expired commander token and a forged one. */
export async function callers(server: TestServer): Promise<Record<Caller, string | null>> {
  const commander = (await server.login('commander')).token;
  const expired = server.ctx.tokens.issue(
    { sub: 'u-commander', role: 'commander', stationId: null, name: 'x' },
    -1,
  ).token;
  return {
    commander,
    deqing: (await server.login('deqing')).token,
    linping: (await server.login('linping')).token,
    wall: (await server.login('wall')).token,
    none: null,
    expired,
    forged: `${commander.slice(0, -3)}xyz`,
  };
}

/** Sends each call and expects its status and code, with a message, in `{error: {code, message}}`. */
export async function expectRefused(
  server: TestServer,
  tokens: Record<Caller, string | null>,
  calls: readonly BadCall[],
): Promise<void> {
  for (const c of calls) {
    const headers: Record<string, string> = { ...c.headers };
    const body = c.json !== undefined ? JSON.stringify(c.json) : c.raw;
    if (body !== undefined) headers['content-type'] = c.contentType ?? 'application/json';
    const token = tokens[c.as ?? 'deqing'];
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${server.url}${c.path}`, { method: c.method, headers, body });
    const text = await res.text();
    let parsed: { error?: { code?: string; message?: string } } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // not JSON: the comparison below shows what came back
    }
    expect.soft({ name: c.name, status: res.status, code: parsed.error?.code ?? text.slice(0, 200) }).toEqual({
      name: c.name,
      status: c.status,
      code: c.code,
    });
    expect.soft(parsed.error?.message, c.name).toBeTruthy();
  }
}

/**
 * Everything a refused request could have written: operations, stations, devices, positions and
 * the content of every document of every operation.
 */
export async function storedState(server: TestServer): Promise<unknown> {
  const { storage, rooms } = server.ctx;
  const operations = await storage.listOperations();
  const docs: Record<string, unknown> = {};
  for (const op of operations) {
    for (const scope of ['command', ...op.stations]) {
      const room = await rooms.get(docName(op.id, scope));
      await room.idle();
      // Merely reading a map (the server does, e.g. for searches) adds it empty: only content counts.
      const content = Object.entries(room.doc.toJSON()).filter(([, v]) => Object.keys(v ?? {}).length > 0);
      docs[docName(op.id, scope)] = Object.fromEntries(content);
    }
  }
  return {
    operations,
    stations: await storage.listStations(),
    devices: await storage.listDevices(),
    positions: await storage.latestPositions(),
    accounts: await storage.countAccounts(),
    docs,
  };
}

/** The server still answers an ordinary request after the refusals. */
export async function expectServing(server: TestServer, token: string): Promise<void> {
  const res = await fetch(`${server.url}/api/operations`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
}
