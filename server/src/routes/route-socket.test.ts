import { Writable } from 'node:stream';
import { afterEach, expect, test, vi } from 'vitest';
import * as ws from 'ws';
import { RouteSocket, type RouteWs } from './route-socket.ts';
import { SyncLiveness, type LivenessLink } from './sync-liveness.ts';
import { FRAGMENT_BYTES, WHOLE_MESSAGE_MAX_BYTES } from './ws-frame.ts';

/** `ws`'s own frame parser, as a client runs it (exported by the package, not declared by @types/ws). */
type ReceiverLike = Writable & { on(event: string, listener: (...args: never[]) => void): void };
const { Receiver } = ws as unknown as { Receiver: new (options: object) => ReceiverLike };

const PING = Buffer.from([0x89, 0x00]);
const KEEPALIVE = Uint8Array.of(1, 1, 0);

/**
 * A connection's TCP socket with a client's `ws` parser behind it, whose kernel takes a write only
 * when the test says so (`take`): until then the write's callback does not run, as on a slow link.
 */
function slowLink() {
  const receiver = new Receiver({ isServer: false, binaryType: 'nodebuffer', maxPayload: 0 });
  /** What the client read, in order: `ping`, `close <code>`, `<n> bytes` (a message) or an error. */
  const events: string[] = [];
  const messages: Buffer[] = [];
  receiver.on('message', (data: Buffer) => {
    events.push(`${data.byteLength} bytes`);
    messages.push(Buffer.from(data));
  });
  receiver.on('ping', () => events.push('ping'));
  receiver.on('conclude', (code: number) => events.push(`close ${code}`));
  receiver.on('error', (err: Error) => events.push(`error: ${err.message}`));
  const held: Array<() => void> = [];
  let written = 0;
  const tcp = new Writable({
    writev(parts, done) {
      for (const { chunk } of parts) {
        written += (chunk as Buffer).byteLength;
        receiver.write(chunk);
      }
      held.push(() => done());
    },
  });
  /** The first `n` writes held (all of them by default) are taken, and their callbacks run. */
  const take = async (n = Infinity) => {
    for (let i = 0; i < n && held.length; i++) {
      held.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { tcp, events, messages, take, written: () => written };
}

/** The `ws` of a connection: pings and closes go straight to the TCP socket, as `ws` writes them. */
class FakeWs implements RouteWs {
  readonly OPEN = 1;
  readyState = 1;
  readonly bufferedAmount = 0;
  constructor(private readonly tcp: Writable) {}
  send(): void {
    throw new Error('a socket with a TCP connection is written to directly');
  }
  close(code: number): void {
    this.readyState = 2;
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code);
    this.tcp.write(Buffer.concat([Buffer.from([0x88, 2]), payload]));
  }
  ping(): void {
    this.tcp.write(PING);
  }
  terminate(): void {
    this.readyState = 3;
  }
}

const link: LivenessLink = { sent: () => undefined, heard: () => undefined, remove: () => undefined };
const noLiveness = { watch: () => link };
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);
const BIG = 300_000;

afterEach(() => vi.useRealTimers());

test('a large message goes out in pieces, each once the socket took the one before, and a ping written meanwhile goes between them', async () => {
  const { tcp, events, messages, take, written } = slowLink();
  const wsLike = new FakeWs(tcp);
  const socket = new RouteSocket(wsLike, tcp, noLiveness);
  const big = bytes(BIG, 1);
  socket.send(big);
  // One piece (and its header) written; the rest waits for the socket to take it.
  expect(written()).toBeLessThan(FRAGMENT_BYTES + 16);
  await take(1);
  expect(written()).toBeLessThan(2 * (FRAGMENT_BYTES + 16));
  wsLike.ping();
  await take();
  expect(events).toEqual(['ping', `${BIG} bytes`]);
  expect(messages[0]!.equals(big)).toBe(true);
});

test('messages sent while a message goes out in pieces follow it in order, and count as waiting to go out', async () => {
  const { tcp, events, messages, take } = slowLink();
  const socket = new RouteSocket(new FakeWs(tcp), tcp, noLiveness);
  const sent = [bytes(BIG, 1), bytes(10, 2), bytes(WHOLE_MESSAGE_MAX_BYTES + 1, 3), bytes(20, 4)];
  for (const m of sent) socket.send(m);
  const total = sent.reduce((n, m) => n + m.byteLength, 0);
  expect(socket.bufferedBytes).toBeGreaterThanOrEqual(total);
  await take();
  expect(events).toEqual(sent.map((m) => `${m.byteLength} bytes`));
  messages.forEach((m, i) => expect(m.equals(sent[i]!), `message ${i}`).toBe(true));
  expect(socket.bufferedBytes).toBe(0);
  // A message up to the limit goes out whole, at once.
  socket.send(bytes(WHOLE_MESSAGE_MAX_BYTES, 5));
  expect(tcp.writableLength).toBeGreaterThan(WHOLE_MESSAGE_MAX_BYTES);
});

test('closing during a message in pieces stops it between two pieces and drops what waits', async () => {
  const { tcp, events, take, written } = slowLink();
  const socket = new RouteSocket(new FakeWs(tcp), tcp, noLiveness);
  socket.send(bytes(BIG, 1));
  socket.send(bytes(10, 2));
  await take(1);
  socket.close(4000, 'closed');
  expect(socket.bufferedBytes).toBe(tcp.writableLength);
  await take();
  const after = written();
  await take();
  expect(written()).toBe(after);
  expect(after).toBeLessThan(3 * (FRAGMENT_BYTES + 16));
  expect(events).toEqual(['close 4000']);
});

test('a refusal goes out before the close, unless a message is under way in pieces: then the close goes alone', async () => {
  const idle = slowLink();
  new RouteSocket(new FakeWs(idle.tcp), idle.tcp, noLiveness).refuse(bytes(5, 1), 4403, 'FORBIDDEN');
  await idle.take();
  expect(idle.events).toEqual(['5 bytes', 'close 4403']);

  const busy = slowLink();
  const socket = new RouteSocket(new FakeWs(busy.tcp), busy.tcp, noLiveness);
  socket.send(bytes(BIG, 1));
  socket.refuse(bytes(5, 1), 4403, 'FORBIDDEN');
  await busy.take();
  // A data frame inside the fragmented message would be a protocol error: none is written.
  expect(busy.events).toEqual(['close 4403']);
});

test('the liveness keepalive waits behind a message in pieces', async () => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
  const { tcp, events, take } = slowLink();
  const liveness = new SyncLiveness({ heartbeatMs: 30_000, keepaliveMs: 2_000, keepalive: KEEPALIVE });
  const socket = new RouteSocket(new FakeWs(tcp), tcp, liveness);
  socket.send(bytes(BIG, 1));
  // The client takes nothing for 3 s: the sweep sends a keepalive meanwhile.
  vi.advanceTimersByTime(3_000);
  expect(socket.bufferedBytes).toBeGreaterThanOrEqual(BIG + KEEPALIVE.byteLength);
  await take();
  expect(events).toEqual([`${BIG} bytes`, `${KEEPALIVE.byteLength} bytes`]);
  socket.closed();
  expect(liveness.size).toBe(0);
});
