import type { Writable } from 'node:stream';
import { SyncCloseCode } from '@jointmap/shared';
import type { RoomSocket } from '../rooms/room.ts';
import type { LivenessLink, LivenessSocket, SyncLiveness } from './sync-liveness.ts';
import { FRAGMENT_BYTES, fragmentFrame, WHOLE_MESSAGE_MAX_BYTES, writeBinary } from './ws-frame.ts';

/**
 * How long a close waits for the message under way in pieces and what is behind it (ms): at 64 KiB
 * a second, 640 KiB more of it.
 */
export const CLOSE_WAIT_MS = 10_000;

export interface RouteSocketOptions {
  /**
   * Bytes that may wait behind a message under way in pieces (and in the TCP socket's buffer),
   * not counting that message (nor its piece in the TCP socket's buffer); more refuses the
   * connection (`RATE_LIMITED`).
   */
  maxBacklogBytes: number;
  /** The coded message sent before that close (called once, when it happens). */
  backlogRefusal(): Uint8Array;
  /**
   * Called once that close is under way (it may wait for the message under way): the connection
   * is to leave its room at once, as on any other refusal, not when `ws` reports the close.
   */
  backlogClosed?(): void;
  /** How long a close waits for the message under way (default CLOSE_WAIT_MS). */
  closeWaitMs?: number;
}

/** What a route socket needs of its `ws` WebSocket. */
export interface RouteWs {
  readonly readyState: number;
  readonly OPEN: number;
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
  close(code: number, reason: string): void;
  ping(): void;
  terminate(): void;
}

/**
 * A sync socket as its room and the liveness sweep see it. A class, not an object literal: a
 * literal's `isOpen` getter is a new function for every socket, which V8 cannot inline into the
 * relay loop (about 20–30 ns a recipient against 2 ns in a micro-benchmark of 100 sockets).
 *
 * A message goes out as a frame made once for all its recipients (`writeBinary`), written to the
 * connection's TCP socket (the upgraded request's, which `ws` writes its pings and closes to as
 * well: no compression is negotiated, so `ws` writes each of its frames at once and the order of
 * the two writers' frames is kept).
 *
 * A message over WHOLE_MESSAGE_MAX_BYTES (a joiner's answer, megabytes) goes out as a fragmented
 * message, a piece written only once the socket took the one before. Written whole, a ping would
 * wait behind all of it: a client reading it slowly could not answer within the heartbeat window
 * and was dropped like a dead one. Between pieces, a ping goes out at once and a slow client
 * answers in time; a dead one stops taking pieces and never answers. While a message is under way,
 * every other message (relays, presence, the keepalive) waits and follows it in order: a data
 * frame inside a fragmented message breaks the protocol. What waits is bounded
 * (`maxBacklogBytes`): a client that answers pings but reads slower than it is sent would
 * otherwise make it grow without end, and the heartbeat no longer drops it. Its own asks do not
 * pile up answers: the room holds a connection's next answer until `whenSent` says the one before
 * has gone out (`PacedAnswers`).
 *
 * A close while a message is under way waits for it and what is behind it (a room sends a coded
 * message, then closes), for at most `closeWaitMs`; then the close frame goes between two pieces
 * without them. From the close on, the socket takes no more messages.
 */
export class RouteSocket implements RoomSocket, LivenessSocket {
  readonly link: LivenessLink;
  /** The message being written in pieces, and how much of it is written. */
  private piecing: Uint8Array | null = null;
  private pieced = 0;
  /** Messages sent while one is under way in pieces, in order, and their bytes. */
  private waiting: Uint8Array[] = [];
  private waitingBytes = 0;
  /** Bytes of the piece under way still in the TCP socket's buffer (taken: 0). */
  private pieceInBuffer = 0;
  /** Messages taken by `send` and how many of them are written (see `whenSent`). */
  private taken = 0;
  private written = 0;
  /** Who waits for the messages up to `upTo` to be written, in order. */
  private sentWaiters: Array<{ upTo: number; done: () => void }> = [];
  /** A close waiting for the message under way and what is behind it, and its deadline. */
  private closing: { code: number; reason: string; deadline: NodeJS.Timeout } | null = null;
  private readonly closeWaitMs: number;

  constructor(
    private readonly ws: RouteWs,
    /** The upgraded request's socket; none for a request injected in memory (`fastify.injectWS`). */
    private readonly tcp: Writable | null,
    liveness: Pick<SyncLiveness, 'watch'>,
    private readonly options: RouteSocketOptions,
  ) {
    this.link = liveness.watch(this);
    this.closeWaitMs = options.closeWaitMs ?? CLOSE_WAIT_MS;
  }

  send(data: Uint8Array): void {
    this.enqueue(data, true);
  }

  /**
   * Send `message` (why it is refused), then close: it goes out before the close frame. It is
   * never itself refused for the backlog: the close that follows is the refusal's own.
   */
  refuse(message: Uint8Array, code: number, reason: string): void {
    if (!this.isOpen) return;
    this.enqueue(message, false);
    this.close(code, reason);
  }

  /**
   * Run `done` once every message sent so far has been written to the TCP socket (none waits here
   * behind a message under way in pieces). False, and `done` never runs, when none waits now. It
   * never runs either once the socket closes (or is closing and drops what waits).
   */
  whenSent(done: () => void): boolean {
    if (this.written === this.taken) return false;
    this.sentWaiters.push({ upTo: this.taken, done });
    return true;
  }

  /**
   * Close once what was sent before has gone out: at once when nothing is under way in pieces,
   * else when the message under way and what waits behind it are written, or after `closeWaitMs`
   * (the close frame then goes between two pieces, and the rest is dropped). A second close while
   * one waits changes nothing.
   */
  close(code: number, reason: string): void {
    if (this.closing) return;
    if (!this.piecing) {
      this.drop();
      this.ws.close(code, reason);
      return;
    }
    const deadline = setTimeout(() => this.closeNow(), this.closeWaitMs);
    deadline.unref();
    this.closing = { code, reason, deadline };
  }

  ping(): void {
    this.ws.ping();
  }

  terminate(): void {
    this.drop();
    this.ws.terminate();
  }

  /** The socket closed: nothing more goes out, and the liveness sweep forgets it. */
  closed(): void {
    this.drop();
    this.link.remove();
  }

  /** Open and not closing (a close waiting for a message under way counts as closing). */
  get isOpen(): boolean {
    return this.ws.readyState === this.ws.OPEN && !this.closing;
  }

  /**
   * What waits to go out: both writers' frames, when they share the TCP socket, and what waits
   * here (the rest of a message under way in pieces, and the messages behind it).
   */
  get bufferedBytes(): number {
    if (!this.tcp) return this.ws.bufferedAmount;
    const rest = this.piecing ? this.piecing.byteLength - this.pieced : 0;
    return this.tcp.writableLength + rest + this.waitingBytes;
  }

  private enqueue(data: Uint8Array, bounded: boolean): void {
    if (this.closing) return;
    this.link.sent();
    this.taken++;
    if (!this.tcp) {
      this.ws.send(data);
      this.written++;
    } else if (this.piecing) {
      this.waiting.push(data);
      this.waitingBytes += data.byteLength;
      // The piece under way may still be in the TCP socket's buffer: it is part of the message
      // under way, which does not count.
      const buffered = this.tcp.writableLength - this.pieceInBuffer;
      if (bounded && this.waitingBytes + buffered > this.options.maxBacklogBytes) this.overBacklog();
    } else this.write(data);
  }

  private write(data: Uint8Array): void {
    if (data.byteLength <= WHOLE_MESSAGE_MAX_BYTES) {
      writeBinary(this.tcp!, data);
      this.written++;
      return;
    }
    this.piecing = data;
    this.pieced = 0;
    this.writePiece();
  }

  /** The next piece of the message under way; after the last, what waited goes out. */
  private writePiece(): void {
    const data = this.piecing!;
    const tcp = this.tcp!;
    const start = this.pieced;
    const end = Math.min(data.byteLength, start + FRAGMENT_BYTES);
    const [header, payload] = fragmentFrame(data, start, end);
    this.pieced = end;
    const last = end === data.byteLength;
    tcp.cork();
    tcp.write(header);
    tcp.write(payload, last ? undefined : this.pieceTaken);
    tcp.uncork();
    this.pieceInBuffer = last ? 0 : header.byteLength + payload.byteLength;
    if (!last) return;
    this.piecing = null;
    this.written++;
    this.writeWaiting();
    if (!this.piecing && this.closing) this.closeNow();
    this.settleWaiters();
  }

  /** The socket took a piece (or failed): the next piece, unless `ws` closed it meanwhile. */
  private readonly pieceTaken = (err?: Error | null): void => {
    this.pieceInBuffer = 0;
    if (!this.piecing) return;
    if (err || this.ws.readyState !== this.ws.OPEN) return this.drop();
    // Bytes are flowing: no keepalive is due (the client sees none until the message ends anyway).
    this.link.sent();
    this.writePiece();
  };

  /** What waited behind a message in pieces, in order, up to the next message sent in pieces. */
  private writeWaiting(): void {
    const waiting = this.waiting;
    let i = 0;
    while (i < waiting.length && !this.piecing) {
      const data = waiting[i++]!;
      this.waitingBytes -= data.byteLength;
      this.write(data);
    }
    this.waiting = i === waiting.length ? [] : waiting.slice(i);
  }

  /** Run the `whenSent` callbacks whose messages are all written (after the writes, not during). */
  private settleWaiters(): void {
    const waiters = this.sentWaiters;
    let i = 0;
    while (i < waiters.length && waiters[i]!.upTo <= this.written) i++;
    if (i === 0) return;
    this.sentWaiters = waiters.slice(i);
    for (let j = 0; j < i; j++) waiters[j]!.done();
  }

  /**
   * What waits went over `maxBacklogBytes`: it is dropped, and the connection refused
   * (`RATE_LIMITED`; it reconnects and syncs afresh) and taken out of its room (`backlogClosed`).
   * Its coded message follows the message under way, if that ends within `closeWaitMs`.
   */
  private overBacklog(): void {
    const refusal = this.options.backlogRefusal();
    this.waiting = [refusal];
    this.waitingBytes = refusal.byteLength;
    this.sentWaiters = [];
    this.close(SyncCloseCode.rateLimited, 'RATE_LIMITED');
    this.options.backlogClosed?.();
  }

  /** The close that waited: the close frame, and nothing of what has not gone out. */
  private closeNow(): void {
    const { code, reason } = this.closing!;
    this.drop();
    this.ws.close(code, reason);
  }

  private drop(): void {
    this.piecing = null;
    this.pieced = 0;
    this.waiting = [];
    this.waitingBytes = 0;
    this.written = this.taken;
    this.sentWaiters = [];
    if (this.closing) clearTimeout(this.closing.deadline);
    this.closing = null;
  }
}
