import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { decodeRejection } from '@jointmap/shared';
import { syncStep1Frame, updateFrame } from '../helpers/raw-connection.ts';
import { tempDir, type Teardown, type TestServer } from '../helpers/server.ts';
import { connectClient, eventually, type SyncClient } from '../helpers/sync-client.ts';
import { bigLine } from './big-line.test-support.ts';

/**
 * A second way into a test server: a Unix socket whose connections the server's HTTP side takes as
 * its own. Its kernel buffer is a fixed ~200 KB, where a loopback TCP connection's grows to
 * megabytes: on loopback TCP the kernel took the whole answer at once, and the ping went after
 * it as before pieces. Over the Unix socket, what a slow reader leaves waiting in the kernel stays
 * small against a large answer, as on a slow link whose buffers are small against the answer (on
 * a fast link the kernel may take megabytes at once, and the ping waits behind those).
 */
export async function unixEntrance(t: Teardown, server: TestServer): Promise<string> {
  const path = join(tempDir('jointmap-pieces-'), 'sync.sock');
  const sockets = new Set<Socket>();
  const entrance = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    server.app.server.emit('connection', socket);
  });
  await new Promise<void>((resolve) => entrance.listen(path, resolve));
  t.onTestFinished(() => {
    for (const socket of sockets) socket.destroy();
    entrance.close();
  });
  return path;
}

/** Carried ahead of the server's side before it is paused (as a full TCP window would). */
const RELAY_BACKLOG = 16 * 1024;
const RELAY_TICK_MS = 20;

/**
 * A slow link from a client to the server's Unix entrance: what the server sends reaches the client
 * at `rate` bytes a second (0: not at all, a client that stopped reading), what the client sends
 * goes at once. One connection per relay.
 */
export class SlowRelay {
  /** Bytes from the server carried to the client. */
  carried = 0;
  /** Connections the server closed or dropped. */
  serverClosed = 0;
  private readonly relay: Server;
  private readonly open = new Set<{ client: Socket; upstream: Socket; queued: Buffer[] }>();
  private readonly pump: NodeJS.Timeout;
  private budget = 0;
  private last = Date.now();

  private constructor(
    private readonly upstreamPath: string,
    private readonly rate: number,
  ) {
    this.relay = createServer((client) => this.accept(client));
    this.pump = setInterval(() => this.carry(), RELAY_TICK_MS);
  }

  static async start(t: Teardown, upstreamPath: string, rate: number): Promise<SlowRelay> {
    const relay = new SlowRelay(upstreamPath, rate);
    await new Promise<void>((resolve) => relay.relay.listen(0, '127.0.0.1', resolve));
    t.onTestFinished(() => relay.close());
    return relay;
  }

  get wsUrl(): string {
    const addr = this.relay.address();
    if (!addr || typeof addr === 'string') throw new Error('no address');
    return `ws://127.0.0.1:${addr.port}`;
  }

  close(): void {
    clearInterval(this.pump);
    for (const { client, upstream } of this.open) {
      client.destroy();
      upstream.destroy();
    }
    this.relay.close();
  }

  private accept(client: Socket): void {
    const upstream = connect(this.upstreamPath);
    const pair = { client, upstream, queued: [] as Buffer[] };
    this.open.add(pair);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    client.on('data', (d) => upstream.write(d));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      this.serverClosed++;
      this.open.delete(pair);
      client.destroy();
    });
    upstream.on('data', (d: Buffer) => {
      pair.queued.push(d);
      if (queuedBytes(pair.queued) > RELAY_BACKLOG) upstream.pause();
    });
  }

  private carry(): void {
    const now = Date.now();
    this.budget = Math.min(this.budget + ((now - this.last) / 1000) * this.rate, this.rate / 2);
    this.last = now;
    for (const { client, upstream, queued } of this.open) {
      while (queued.length && this.budget >= 1) {
        const head = queued[0]!;
        const n = Math.min(head.length, Math.floor(this.budget));
        client.write(head.subarray(0, n));
        this.budget -= n;
        this.carried += n;
        if (n === head.length) queued.shift();
        else queued[0] = head.subarray(n);
      }
      if (upstream.isPaused() && queuedBytes(queued) <= RELAY_BACKLOG) upstream.resume();
    }
  }
}

const queuedBytes = (queued: Buffer[]) => queued.reduce((n, d) => n + d.length, 0);

/**
 * A client (the stock provider, over the server's own port) that drew lines on `doc` until its
 * state was over `bytes`; resolves once the server holds them all.
 */
export async function growDocument(
  t: Teardown,
  server: TestServer,
  doc: string,
  token: string,
  bytes: number,
): Promise<SyncClient> {
  const writer = await connectClient(t, server.wsUrl, doc, token);
  const annotations = writer.doc.getMap('annotations');
  const ids: string[] = [];
  while (Y.encodeStateAsUpdate(writer.doc).length < bytes) {
    // About 600 KB an update: well under the server's message limit.
    writer.doc.transact(() => {
      for (let j = 0; j < 40; j++) {
        const i = ids.length;
        const id = `a-pieces-${String(i).padStart(4, '0')}`;
        annotations.set(id, bigLine(id, i));
        ids.push(id);
      }
    });
  }
  const room = await server.ctx.rooms.get(doc);
  await eventually(() => ids.every((id) => room.doc.getMap('annotations').has(id)), 20_000, 'the server has them');
  return writer;
}

/**
 * A sync client by hand: asks for the whole document, applies what it is sent, answers nothing
 * else. Its own changes to `doc` are sent as updates.
 */
export interface RawJoiner {
  doc: Y.Doc;
  /** Sync step 1 messages (asks) sent. */
  asks: number;
  /** Sync step 2 messages (answers) received. */
  answers: number;
  /** What it was sent, in order: `answer`, `refused <code>` (a coded message), `close <code>`. */
  events: string[];
  /** The close code once closed, else null. */
  closeCode: number | null;
  errors: Error[];
}

export interface RawJoinerOptions {
  /** The state vector it asks with (default: its own, empty: the whole document). */
  vector?: Uint8Array;
  /** How many times it asks at once (default 1). */
  asks?: number;
  /**
   * Probes as our client sends them to have its edits confirmed (`doc-sync.ts`), one every
   * `everyMs` from the open on, `count` of them: `edit` changes its document (sent as an update),
   * then it asks with its state vector.
   */
  probes?: { count: number; everyMs: number; edit(doc: Y.Doc, i: number): void };
}

export function rawJoiner(
  t: Teardown,
  wsUrl: string,
  doc: string,
  token: string,
  options: RawJoinerOptions = {},
): RawJoiner {
  const ws = new WebSocket(`${wsUrl}/sync/${doc}?token=${encodeURIComponent(token)}`);
  t.onTestFinished(() => ws.terminate());
  const joiner: RawJoiner = { doc: new Y.Doc(), asks: 0, answers: 0, events: [], closeCode: null, errors: [] };
  const send = (frame: Uint8Array) => {
    if (ws.readyState === ws.OPEN) ws.send(frame);
  };
  joiner.doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== 'server') send(updateFrame(update));
  });
  ws.on('open', () => {
    const ask = syncStep1Frame(options.vector ?? Y.encodeStateVector(joiner.doc));
    for (let i = 0; i < (options.asks ?? 1); i++) {
      send(ask);
      joiner.asks++;
    }
    const probes = options.probes;
    if (!probes) return;
    let sent = 0;
    const timer = setInterval(() => {
      if (sent === probes.count || ws.readyState !== ws.OPEN) return clearInterval(timer);
      probes.edit(joiner.doc, sent++);
      send(syncStep1Frame(Y.encodeStateVector(joiner.doc)));
      joiner.asks++;
    }, probes.everyMs);
    t.onTestFinished(() => clearInterval(timer));
  });
  ws.on('message', (data: Buffer) => {
    const d = decoding.createDecoder(new Uint8Array(data));
    const kind = decoding.readVarUint(d);
    // A coded refusal (y-protocols' auth message, permission denied).
    if (kind === 2 && decoding.readVarUint(d) === 0) {
      const reason = decoding.readVarString(d);
      joiner.events.push(`refused ${decodeRejection(reason)?.code ?? reason}`);
    }
    if (kind !== 0) return;
    const type = syncProtocol.readSyncMessage(d, encoding.createEncoder(), joiner.doc, 'server');
    if (type !== syncProtocol.messageYjsSyncStep2) return;
    joiner.answers++;
    joiner.events.push('answer');
  });
  ws.on('error', (err) => joiner.errors.push(err));
  ws.on('close', (code) => {
    joiner.closeCode = code;
    joiner.events.push(`close ${code}`);
  });
  return joiner;
}

/** End the session of `token` (sign-out): its sync sockets are refused (`SESSION_ENDED`). */
export async function signOut(server: TestServer, token: string): Promise<void> {
  const res = await fetch(`${server.url}/api/auth/logout`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  if (!res.ok) throw new Error(`logout: ${res.status} ${await res.text()}`);
}
