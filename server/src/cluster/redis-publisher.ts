import { REDIS_MAX_PENDING_COMMANDS } from './redis-timing.ts';

/** A node-redis command connection, as far as publishing goes. */
export interface PublishConnection {
  readonly isReady: boolean;
  publish(channel: string, message: string | Buffer): Promise<unknown>;
}

export interface RedisPublisherOptions {
  /**
   * Messages were lost because the connection is down (called once per failure noticed). The
   * caller's reconnect path makes them good; nothing else is needed here.
   */
  onDown?(): void;
  /**
   * Messages were dropped from a full backlog while the connection stayed up. Called once the
   * backlog is sent, so the caller can tell the others to catch up (no reconnect will).
   */
  onOverflowed(): void;
  /** Most of this publisher's messages awaiting Redis at once (the rest wait here). */
  window?: number;
  /** Most messages waiting here; past it new ones are dropped and `onOverflowed` follows. */
  maxHeld?: number;
  /** Most bytes of messages waiting here (document updates run to megabytes); as `maxHeld`. */
  maxHeldBytes?: number;
}

interface Held {
  id: number;
  channel: string;
  message: string | Buffer;
}

/** node-redis refuses a command at once when its queue holds `commandsQueueMaxLength`. */
const isQueueFull = (err: unknown): boolean => err instanceof Error && err.message === 'The queue is full';

/** After a refusal by a queue others filled, try again this soon (ms). */
const RETRY_MS = 5;

/**
 * Publishes on a connection whose command queue is bounded (REDIS_MAX_PENDING_COMMANDS), without
 * losing what a burst puts over the bound: a group commit of several busy rooms makes well over a
 * thousand publishes in one turn of the event loop, on a healthy link. At most `window` of this
 * publisher's messages go to node-redis at once (leaving room for other commands on the
 * connection); the rest wait here, in order, and go out as replies come. A message refused
 * because the queue is full anyway (other commands filled it) waits here too. Only a message
 * sent while the connection is down is lost (`onDown`), or one past `maxHeld` (`onOverflowed`).
 */
export class RedisPublisher {
  /** Waiting, in publish order, from `head` on. */
  private held: Held[] = [];
  private head = 0;
  /** Refused for a full queue: sent again before `held`, in publish order. */
  private readonly returned: Held[] = [];
  private nextId = 0;
  private inFlight = 0;
  /** The queue was full: wait for a reply (or RETRY_MS) before sending more. */
  private blocked = false;
  private retry: NodeJS.Timeout | null = null;
  private overflowed = false;
  private closed = false;
  /** After a refusal, one message at a time until one is taken (others keep the queue full). */
  private probing = false;
  private heldBytes = 0;
  private readonly window: number;
  private readonly maxHeld: number;
  private readonly maxHeldBytes: number;

  constructor(
    private readonly conn: PublishConnection,
    private readonly options: RedisPublisherOptions,
  ) {
    this.window = options.window ?? REDIS_MAX_PENDING_COMMANDS / 2;
    this.maxHeld = options.maxHeld ?? 50_000;
    this.maxHeldBytes = options.maxHeldBytes ?? 256 * 1024 * 1024;
  }

  /** Send `message` on `channel` after every message published before it. Never throws. */
  publish(channel: string, message: string | Buffer): void {
    if (this.closed) return;
    const item = { id: this.nextId++, channel, message };
    if (this.waiting === 0 && !this.blocked && this.inFlight < this.window) {
      this.send(item);
      return;
    }
    if (this.waiting >= this.maxHeld || this.heldBytes >= this.maxHeldBytes) {
      this.overflowed = true;
      return;
    }
    this.held.push(item);
    this.heldBytes += item.message.length;
  }

  /** Messages waiting here (not yet handed to node-redis). */
  get waiting(): number {
    return this.held.length - this.head + this.returned.length;
  }

  /** Drop what waits; publish nothing more. */
  close(): void {
    this.closed = true;
    this.dropWaiting();
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
  }

  private send(item: Held): void {
    this.inFlight++;
    this.conn.publish(item.channel, item.message).then(
      () => {
        this.inFlight--;
        // A reply came: the queue has room again.
        this.blocked = false;
        this.probing = false;
        this.pump();
      },
      (err: unknown) => {
        this.inFlight--;
        if (this.closed) return;
        if (isQueueFull(err) && this.conn.isReady) {
          this.giveBack(item);
          this.block();
        } else {
          this.options.onDown?.();
        }
        this.pump();
      },
    );
  }

  /** Send what waits, up to the window, unless the queue was full. */
  private pump(): void {
    if (this.closed || this.blocked) return;
    if (this.waiting > 0 && !this.conn.isReady) {
      // Each would fail at once: the caller's reconnect path makes them good.
      this.dropWaiting();
      this.overflowed = false;
      this.options.onDown?.();
      return;
    }
    const limit = this.probing ? Math.min(this.window, this.inFlight + 1) : this.window;
    while (this.inFlight < limit) {
      const item = this.returned.shift() ?? this.takeHeld();
      if (!item) break;
      this.heldBytes -= item.message.length;
      this.send(item);
    }
    if (this.overflowed && this.waiting === 0 && this.inFlight === 0 && this.conn.isReady) {
      this.overflowed = false;
      this.options.onOverflowed();
    }
  }

  private takeHeld(): Held | undefined {
    if (this.head >= this.held.length) return undefined;
    const item = this.held[this.head++];
    if (this.head === this.held.length) {
      this.held = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.held.length) {
      this.held = this.held.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Back in front of everything not yet sent, in publish order. */
  private giveBack(item: Held): void {
    let i = this.returned.length;
    while (i > 0 && this.returned[i - 1]!.id > item.id) i--;
    this.returned.splice(i, 0, item);
    this.heldBytes += item.message.length;
  }

  private block(): void {
    this.blocked = true;
    this.probing = true;
    this.retry ??= setTimeout(() => {
      this.retry = null;
      this.blocked = false;
      this.pump();
    }, RETRY_MS);
    this.retry.unref();
  }

  private dropWaiting(): void {
    this.held = [];
    this.head = 0;
    this.returned.length = 0;
    this.heldBytes = 0;
  }
}
