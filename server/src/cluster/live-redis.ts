import type { RedisClientType } from 'redis';
import { answerWithin } from '../answer-within.ts';
import { REDIS_MAX_PENDING_COMMANDS, REDIS_REPLY_WAIT_MS, redisClient, replyWithin } from './redis-timing.ts';

export interface LiveRedisOptions {
  url: string;
  /** Prepended to every key and channel (several deployments or test runs on one Redis). */
  prefix: string;
  /** A connection error (Redis gone, refused): logged; the clients reconnect by themselves. */
  onError(err: Error): void;
  /** Give up starting when Redis does not answer within this long (ms). */
  connectTimeoutMs?: number;
}

/**
 * The Redis connections of the live side (positions, device registrations, rate limits and the
 * socket.io adapter): one for commands and publishing, one for this side's subscriptions and one
 * for the adapter's. Commands fail at once while Redis is away (no offline queue), so an ingest or
 * a login never waits on it; the callers fall back or catch up. A link cut without a reset is
 * noticed by its silence (see redis-timing.ts), and the callers on a request path bound their
 * wait meanwhile. The clients reconnect by themselves, and a subscriber resubscribes.
 */
export class LiveRedis {
  private constructor(
    readonly cmd: RedisClientType,
    readonly sub: RedisClientType,
    readonly adapterSub: RedisClientType,
    readonly prefix: string,
  ) {}

  /** Connect all three; throws (closing what was opened) when Redis does not answer in time. */
  static async connect(options: LiveRedisOptions): Promise<LiveRedis> {
    const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    // The duplicates (the subscribers) take these options too.
    const cmd: RedisClientType = redisClient(options.url, {
      disableOfflineQueue: true,
      commandsQueueMaxLength: REDIS_MAX_PENDING_COMMANDS,
      connectTimeoutMs,
      maxReconnectWaitMs: 2_000,
    });
    const sub = cmd.duplicate();
    const adapterSub = cmd.duplicate();
    const clients = [cmd, sub, adapterSub];
    for (const c of clients) c.on('error', (err: Error) => options.onError(err));
    try {
      await answerWithin(Promise.all(clients.map((c) => c.connect())), connectTimeoutMs, 'Redis at REDIS_URL');
    } catch (err) {
      for (const c of clients) if (c.isOpen) c.destroy();
      throw err;
    }
    return new LiveRedis(cmd, sub, adapterSub, options.prefix);
  }

  /** A key or channel name under the prefix. */
  key(name: string): string {
    return `${this.prefix}${name}`;
  }

  /** Every connection is up. */
  get ready(): boolean {
    return this.cmd.isReady && this.sub.isReady && this.adapterSub.isReady;
  }

  /**
   * The adapter's publishing client: the command connection, except that a publish failing while
   * Redis is away is dropped instead of rejecting (the adapter does not catch it, and an unhandled
   * rejection would end the process). A broadcast lost so is a live message, not stored state.
   */
  adapterPub(): RedisClientType {
    const cmd = this.cmd;
    const publish = (...args: Parameters<RedisClientType['publish']>) => cmd.publish(...args).catch(() => 0);
    return new Proxy(cmd, {
      get(target, prop) {
        if (prop === 'publish') return publish;
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }

  /** Readiness for `/api/health`: a PING answered within `timeoutMs`. */
  async ping(timeoutMs: number): Promise<void> {
    if (!this.ready) throw new Error('Redis is not connected');
    await replyWithin(this.cmd.ping(), timeoutMs);
  }

  async close(): Promise<void> {
    await Promise.allSettled(
      [this.cmd, this.sub, this.adapterSub].map(async (c) => {
        if (!c.isOpen) return;
        if (!c.isReady) return c.destroy(); // reconnecting: nothing to flush
        try {
          // A graceful close waits for every reply, which a cut link never brings.
          await replyWithin(c.close(), REDIS_REPLY_WAIT_MS);
        } catch {
          c.destroy();
        }
      }),
    );
  }
}
