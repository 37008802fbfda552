import { Writable } from 'node:stream';
import { afterEach, expect, test, vi } from 'vitest';
import * as ws from 'ws';
import { CLOSE_WAIT_MS, RouteSocket, type RouteSocketOptions, type RouteWs } from './route-socket.ts';
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
/** The coded message of a socket closed for its backlog, in these tests. */
const BACKLOG_REFUSAL = bytes(7, 9);
const OPTIONS: RouteSocketOptions = { maxBacklogBytes: 4 * BIG, backlogRefusal: () => BACKLOG_REFUSAL };

/** A route socket on `tcp`, with `options` over OPTIONS. */
function routeSocket(
  tcp: Writable,
  options: Partial<RouteSocketOptions> = {},
  liveness: Pick<SyncLiveness, 'watch'> = noLiveness,
) {
  const wsLike = new FakeWs(tcp);
  return { wsLike, socket: new RouteSocket(wsLike, tcp, liveness, { ...OPTIONS, ...options }) };
}

afterEach(() => vi.useRealTimers());

test('a large message goes out in pieces, each once the socket took the one before, and a ping written meanwhile goes between them', async () => {
  const { tcp, events, messages, take, written } = slowLink();
  const { wsLike, socket } = routeSocket(tcp);
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
  const { socket } = routeSocket(tcp);
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

test('a coded message sent just before a close during a message in pieces follows that message, then the close; nothing sent after the close goes', async () => {
  const { tcp, events, messages, take } = slowLink();
  const { socket } = routeSocket(tcp);
  const big = bytes(BIG, 1);
  socket.send(big);
  socket.send(bytes(10, 2));
  await take(1);
  // A room's "send a coded message, then close" (over a limit, storage failed, session ended).
  const coded = bytes(5, 3);
  socket.send(coded);
  socket.close(4403, 'FORBIDDEN');
  expect(socket.isOpen).toBe(false);
  socket.send(bytes(20, 4));
  socket.close(1001, 'room closed');
  await take();
  expect(events).toEqual([`${BIG} bytes`, '10 bytes', '5 bytes', 'close 4403']);
  expect(messages[0]!.equals(big) && messages[2]!.equals(coded)).toBe(true);
});

test('a refusal goes out before the close, and during a message in pieces after that message', async () => {
  const idle = slowLink();
  routeSocket(idle.tcp).socket.refuse(bytes(5, 1), 4403, 'FORBIDDEN');
  await idle.take();
  expect(idle.events).toEqual(['5 bytes', 'close 4403']);

  const busy = slowLink();
  const { socket } = routeSocket(busy.tcp);
  socket.send(bytes(BIG, 1));
  socket.refuse(bytes(5, 1), 4403, 'FORBIDDEN');
  socket.refuse(bytes(6, 1), 4401, 'SESSION_ENDED');
  await busy.take();
  // Never a data frame inside the fragmented message (a protocol error): after it.
  expect(busy.events).toEqual([`${BIG} bytes`, '5 bytes', 'close 4403']);
});

test('a close during a message in pieces to a client that stopped reading goes out after CLOSE_WAIT_MS between two pieces, without the rest', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  const { tcp, events, take, written } = slowLink();
  const { wsLike, socket } = routeSocket(tcp);
  socket.send(bytes(BIG, 1));
  socket.send(bytes(5, 2));
  await take(1);
  socket.close(4403, 'FORBIDDEN');
  vi.advanceTimersByTime(CLOSE_WAIT_MS - 1);
  expect(wsLike.readyState).toBe(wsLike.OPEN);
  vi.advanceTimersByTime(1);
  expect(wsLike.readyState).toBe(2);
  expect(socket.bufferedBytes).toBe(tcp.writableLength);
  // The client reads again: the close frame follows the piece it had, and nothing else comes.
  const before = written();
  await take();
  expect(written() - before).toBe(4);
  expect(events).toEqual(['close 4403']);
});

test('what waits behind a message in pieces over maxBacklogBytes is dropped and the socket refused as rate-limited (the message under way not counted)', async () => {
  const { tcp, events, messages, take } = slowLink();
  const { socket } = routeSocket(tcp, { maxBacklogBytes: 3 * BIG });
  // A message under way larger than the limit counts for nothing: others still wait behind it.
  const under = bytes(5 * BIG, 1);
  socket.send(under);
  socket.send(bytes(2 * BIG, 2));
  expect(socket.isOpen).toBe(true);
  // A client asking for the whole document again and again, reading slower than it is answered.
  socket.send(bytes(2 * BIG, 3));
  expect(socket.isOpen).toBe(false);
  expect(socket.bufferedBytes).toBeLessThan(5 * BIG + FRAGMENT_BYTES + 100);
  socket.send(bytes(10, 4));
  await take();
  expect(events).toEqual([`${5 * BIG} bytes`, `${BACKLOG_REFUSAL.byteLength} bytes`, 'close 4529']);
  expect(messages[0]!.equals(under) && messages[1]!.equals(BACKLOG_REFUSAL)).toBe(true);
});

test('the liveness keepalive waits behind a message in pieces', async () => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
  const { tcp, events, take } = slowLink();
  const liveness = new SyncLiveness({ heartbeatMs: 30_000, keepaliveMs: 2_000, keepalive: KEEPALIVE });
  const { socket } = routeSocket(tcp, {}, liveness);
  socket.send(bytes(BIG, 1));
  // The client takes nothing for 3 s: the sweep sends a keepalive meanwhile.
  vi.advanceTimersByTime(3_000);
  expect(socket.bufferedBytes).toBeGreaterThanOrEqual(BIG + KEEPALIVE.byteLength);
  await take();
  expect(events).toEqual([`${BIG} bytes`, `${KEEPALIVE.byteLength} bytes`]);
  socket.closed();
  expect(liveness.size).toBe(0);
});

test('a refusal near the backlog limit keeps its own close code: its message is never refused for the backlog', async () => {
  const { tcp, events, take } = slowLink();
  const backlogRefusal = vi.fn(() => BACKLOG_REFUSAL);
  const { socket } = routeSocket(tcp, { maxBacklogBytes: BIG, backlogRefusal });
  socket.send(bytes(BIG, 1));
  socket.send(bytes(BIG - 10, 2));
  expect(socket.isOpen).toBe(true);
  // Sent as a message, this one would be over the limit and the close would be 4529.
  socket.refuse(bytes(100, 3), 4403, 'FORBIDDEN');
  await take();
  expect(backlogRefusal).not.toHaveBeenCalled();
  expect(events).toEqual([`${BIG} bytes`, `${BIG - 10} bytes`, '100 bytes', 'close 4403']);
});

test('the piece under way in the TCP socket is not counted in the backlog; a byte more than the limit behind it is', () => {
  const { tcp } = slowLink();
  const { socket } = routeSocket(tcp, { maxBacklogBytes: BIG });
  socket.send(bytes(BIG, 1));
  expect(tcp.writableLength).toBeGreaterThan(FRAGMENT_BYTES);
  socket.send(bytes(BIG, 2));
  expect(socket.isOpen).toBe(true);
  socket.send(bytes(1, 3));
  expect(socket.isOpen).toBe(false);
});

test('a backlog close tells its owner at once (the connection leaves its room), while the message under way still goes out', async () => {
  const { tcp, events, take } = slowLink();
  const backlogClosed = vi.fn();
  const { socket } = routeSocket(tcp, { maxBacklogBytes: BIG, backlogClosed });
  socket.send(bytes(BIG, 1));
  socket.send(bytes(BIG + 1, 2));
  expect(backlogClosed).toHaveBeenCalledTimes(1);
  expect(events).toEqual([]);
  await take();
  expect(events).toEqual([`${BIG} bytes`, `${BACKLOG_REFUSAL.byteLength} bytes`, 'close 4529']);
  expect(backlogClosed).toHaveBeenCalledTimes(1);
});

test.each(['closed', 'terminate'] as const)(
  'the socket %s during the close wait: the wait ends (its timer cleared) and nothing waits any more',
  (end) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { tcp } = slowLink();
    const { wsLike, socket } = routeSocket(tcp);
    socket.send(bytes(BIG, 1));
    socket.send(bytes(BIG, 2));
    socket.close(4403, 'FORBIDDEN');
    expect(vi.getTimerCount()).toBe(1);
    expect(socket.bufferedBytes).toBeGreaterThan(BIG);
    socket[end]();
    expect(vi.getTimerCount()).toBe(0);
    expect(socket.bufferedBytes).toBe(tcp.writableLength);
    // The wait's deadline never comes: no close frame is written afterwards.
    const close = vi.spyOn(wsLike, 'close');
    vi.advanceTimersByTime(CLOSE_WAIT_MS);
    expect(close).not.toHaveBeenCalled();
  },
);

test('whenSent: false when nothing waits; else runs once what was sent before it is written, not waiting for what came after', async () => {
  const { tcp, events, take } = slowLink();
  const { socket } = routeSocket(tcp);
  const never = vi.fn();
  expect(socket.whenSent(never)).toBe(false);
  socket.send(bytes(10, 1));
  expect(socket.whenSent(never)).toBe(false);
  socket.send(bytes(BIG, 2));
  socket.send(bytes(20, 3));
  let seen: { read: string[]; inTcp: number } | null = null;
  expect(socket.whenSent(() => (seen = { read: [...events], inTcp: tcp.writableLength }))).toBe(true);
  socket.send(bytes(BIG, 4));
  await take(1);
  expect(seen).toBeNull();
  await take();
  // Run once the 20 bytes were written to the TCP socket, before the message after them went out:
  // there wait the last piece (4-byte header), the 22-byte frame, the next message's first piece.
  const inTcp = (BIG % FRAGMENT_BYTES) + 4 + 22 + FRAGMENT_BYTES + 10;
  expect(seen).toEqual({ read: ['10 bytes', `${BIG} bytes`], inTcp });
  expect(events).toEqual(['10 bytes', `${BIG} bytes`, '20 bytes', `${BIG} bytes`]);
  expect(never).not.toHaveBeenCalled();
});

test('whenSent never runs for a socket closed before its messages went out', async () => {
  const { tcp, take } = slowLink();
  const { socket } = routeSocket(tcp);
  socket.send(bytes(BIG, 1));
  const done = vi.fn();
  expect(socket.whenSent(done)).toBe(true);
  socket.closed();
  await take();
  expect(done).not.toHaveBeenCalled();
  expect(socket.whenSent(done)).toBe(false);
});
