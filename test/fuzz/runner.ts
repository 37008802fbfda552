/** Sends one fuzz input to the server and says what came back. */
import * as decoding from 'lib0/decoding';
import { WebSocket } from 'ws';
import type { RestRequest } from './rest-inputs.ts';
import type { SyncSession, TokenKind } from './sync-frames.ts';
import { MARKER } from './yjs-payloads.ts';

export interface Tokens {
  commander: string;
  deqing: string;
  linping: string;
  wall: string;
}

/** A real token, or a broken one of the kind asked for; null for none. */
export function resolveToken(kind: TokenKind, tokens: Tokens): string | null {
  switch (kind) {
    case 'commander':
    case 'deqing':
    case 'linping':
    case 'wall':
      return tokens[kind];
    case 'none':
      return null;
    case 'garbage':
      return `not-a-token-${MARKER}`;
    case 'huge':
      return 'x'.repeat(8_000);
    case 'bearer-in-query':
      return `Bearer ${tokens.commander}`;
    case 'forged': {
      // A dispatcher's claims promoted to commander, with the dispatcher's signature.
      const [body, sig] = tokens.deqing.split('.');
      const claims = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as Record<string, unknown>;
      const promoted = Buffer.from(JSON.stringify({ ...claims, role: 'commander', stationId: null })).toString(
        'base64url',
      );
      return `${promoted}.${sig}`;
    }
  }
}

export interface SyncOutcome {
  /** Close code from the server; 1000 when we closed after the server answered our probe. */
  closeCode: number;
  /** Codes of the coded rejections received. */
  codes: string[];
  /** `closed` by the server, `answered` (probe answered, we closed), `timeout`, or `http <status>`. */
  outcome: string;
}

/** Sync step 1 with an empty state vector: the server answers it after everything sent before. */
const PROBE = new Uint8Array([0, 0, 1, 0]);

export function runSync(wsUrl: string, session: SyncSession, tokens: Tokens, timeoutMs = 5_000): Promise<SyncOutcome> {
  const token = resolveToken(session.token, tokens);
  const url = `${wsUrl}/sync/${session.doc}${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;
  return new Promise((resolve) => {
    const codes: string[] = [];
    let ws: WebSocket;
    let done = false;
    const finish = (o: Omit<SyncOutcome, 'codes'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ...o, codes });
    };
    const timer = setTimeout(() => {
      ws?.terminate();
      finish({ closeCode: 0, outcome: 'timeout' });
    }, timeoutMs);
    try {
      ws = new WebSocket(url, { maxPayload: 64 * 1024 * 1024 });
    } catch (err) {
      finish({ closeCode: 0, outcome: `client refused the URL: ${(err as Error).message}` });
      return;
    }
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      finish({ closeCode: 0, outcome: `http ${res.statusCode}` });
      ws.terminate();
    });
    ws.on('open', () => {
      for (const f of session.frames) ws.send(f, { binary: typeof f !== 'string' });
      ws.send(PROBE);
    });
    ws.on('message', (data: Buffer) => {
      try {
        const d = decoding.createDecoder(new Uint8Array(data));
        const type = decoding.readVarUint(d);
        const sub = decoding.readVarUint(d);
        if (type === 2 && sub === 0) codes.push((JSON.parse(decoding.readVarString(d)) as { code: string }).code);
        if (type === 0 && sub === 1) {
          finish({ closeCode: 1000, outcome: 'answered' });
          ws.close(1000);
        }
      } catch {
        codes.push('undecodable server message');
      }
    });
    ws.on('close', (code) => finish({ closeCode: code, outcome: 'closed' }));
    ws.on('error', (err) => finish({ closeCode: 0, outcome: `socket error: ${err.message.slice(0, 60)}` }));
  });
}

export interface RestOutcome {
  status: number;
  /** An error status whose body is not the coded `{error: {code, message}}`. */
  uncoded: boolean;
  /**
   * A 2xx answer that says it stored nothing (`"stored": 0`): the position ingest acknowledges a
   * fix out of range and drops it (docs/ingest.md, "Dropped, not refused").
   */
  storedNothing: boolean;
  error?: string;
}

export async function runRest(url: string, req: RestRequest, tokens: Tokens): Promise<RestOutcome> {
  const token = resolveToken(req.token, tokens);
  const headers: Record<string, string> = { ...req.headers };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const hasBody = req.body !== undefined && req.method !== 'GET' && req.method !== 'HEAD';
  try {
    const res = await fetch(`${url}${req.path}`, {
      method: req.method,
      headers,
      ...(hasBody ? { body: req.body } : {}),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    let uncoded = false;
    let storedNothing = false;
    if (res.ok) {
      try {
        storedNothing = (JSON.parse(text) as { stored?: unknown }).stored === 0;
      } catch {
        // not JSON: stored something or not, it says nothing
      }
    }
    if (res.status >= 400) {
      try {
        uncoded = typeof (JSON.parse(text) as { error?: { code?: unknown } }).error?.code !== 'string';
      } catch {
        uncoded = true;
      }
    }
    return { status: res.status, uncoded, storedNothing };
  } catch (err) {
    return { status: 0, uncoded: false, storedNothing: false, error: (err as Error).message };
  }
}
