import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import type { Teardown, TestServer } from './server.ts';

/** A sync socket driven by hand, for clients that misbehave on purpose. */
export interface RawConnection {
  /** Error codes of the auth (permission denied) messages received. */
  codes: string[];
  /** Sync step 2 messages received (each an answer to a sync step 1). */
  syncStep2: number;
  /** Awareness updates received. */
  awareness: Uint8Array[];
  /** Set once the server closed it. */
  closed: { code: number; reason: string } | null;
  readonly ws: WebSocket;
  readonly isOpen: boolean;
  opened: Promise<void>;
  send(frames: Uint8Array[]): void;
  /** The close code once the server closed the socket, or 0 if it is still open after `ms`. */
  closedWithin(ms: number): Promise<number>;
  /** Resolves with the next message; rejects if the socket closes first. */
  nextMessage(): Promise<void>;
}

export function openRaw(t: Teardown, server: TestServer, doc: string, token: string): RawConnection {
  const ws = new WebSocket(`${server.wsUrl}/sync/${doc}?token=${encodeURIComponent(token)}`);
  t.onTestFinished(() => ws.terminate());
  const closed = new Promise<number>((resolve) =>
    ws.on('close', (code, reason) => {
      conn.closed = { code, reason: reason.toString() };
      resolve(code);
    }),
  );
  const conn: RawConnection = {
    codes: [],
    syncStep2: 0,
    awareness: [],
    closed: null,
    ws,
    get isOpen() {
      return ws.readyState === ws.OPEN;
    },
    opened: new Promise((resolve, reject) => {
      ws.on('open', () => resolve());
      ws.on('error', reject);
    }),
    send(frames) {
      for (const f of frames) ws.send(f);
    },
    closedWithin(ms) {
      if (conn.closed) return Promise.resolve(conn.closed.code);
      return Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(0), ms))]);
    },
    nextMessage: () =>
      new Promise<void>((resolve, reject) => {
        ws.once('message', () => resolve());
        ws.once('close', (code) => reject(new Error(`sync socket closed (${code})`)));
      }),
  };
  ws.on('message', (data: Buffer) => {
    const d = decoding.createDecoder(new Uint8Array(data));
    const type = decoding.readVarUint(d);
    if (type === 0 && decoding.readVarUint(d) === 1) conn.syncStep2++;
    else if (type === 1) conn.awareness.push(decoding.readVarUint8Array(d));
    else if (type === 2 && decoding.readVarUint(d) === 0)
      conn.codes.push((JSON.parse(decoding.readVarString(d)) as { code: string }).code);
  });
  return conn;
}

function frame(write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
}

export const syncStep1Frame = (stateVector: Uint8Array) =>
  frame((e) => {
    encoding.writeVarUint(e, 0);
    encoding.writeVarUint(e, 0);
    encoding.writeVarUint8Array(e, stateVector);
  });

export const updateFrame = (update: Uint8Array) =>
  frame((e) => {
    encoding.writeVarUint(e, 0);
    encoding.writeVarUint(e, 2);
    encoding.writeVarUint8Array(e, update);
  });

/** An awareness message carrying `[clientId, clock, state]` entries. */
export const awarenessFrame = (entries: Array<[number, number, object | null]>) =>
  frame((e) => {
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint8Array(
      e,
      frame((u) => {
        encoding.writeVarUint(u, entries.length);
        for (const [clientId, clock, state] of entries) {
          encoding.writeVarUint(u, clientId);
          encoding.writeVarUint(u, clock);
          encoding.writeVarString(u, JSON.stringify(state));
        }
      }),
    );
  });

/** The entries `[clientId, clock, state JSON]` of an awareness update (what `awarenessFrame` carries). */
export function awarenessEntries(update: Uint8Array): Array<[number, number, string]> {
  const d = decoding.createDecoder(update);
  return Array.from({ length: decoding.readVarUint(d) }, () => [
    decoding.readVarUint(d),
    decoding.readVarUint(d),
    decoding.readVarString(d),
  ]);
}

/** How often the server counted a connection over `limit` (`jointmap_sync_limited_total`). */
export async function limitedCount(server: TestServer, limit: string): Promise<number> {
  const metric = await server.ctx.metrics.syncLimited.get();
  return metric.values.find((v) => v.labels.limit === limit)?.value ?? 0;
}
