import { answerWithin } from '../answer-within.ts';
import { REDIS_MAX_PENDING_COMMANDS, REDIS_REPLY_WAIT_MS, redisClient, replyWithin } from './redis-timing.ts';

/** Where the link reports (the app's logger). */
export interface RedisLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

type Client = ReturnType<typeof redisClient>;

/** A reconnect attempt after this long at most (ms): Redis back up is noticed within about this. */
const MAX_RECONNECT_WAIT_MS = 1000;
/** Subscriptions (of rooms loaded while Redis is down) waiting for it; further ones fail at once. */
const MAX_WAITING_COMMANDS = 10_000;

/**
 * Two connections to Redis: one publishes, one subscribes (a subscribed RESP2 connection can do
 * nothing else). Both reconnect by themselves, and node-redis subscribes again before a connection
 * reports ready; `onReconnected` listeners hear of every ready after the first, when messages may
 * have been missed.
 */
export class RedisLink {
  private readonly reconnected = new Set<() => void>();
  private closed = false;

  private constructor(
    readonly pub: Client,
    readonly sub: Client,
  ) {}

  /** Connect both; throws a clear error when Redis does not answer within `timeoutMs`. */
  static async open(url: string, log: RedisLog, timeoutMs = 10_000): Promise<RedisLink> {
    // While Redis is down a publish fails at once rather than waiting: the log has the update, and
    // every instance catches up from it when its connections are back.
    const pub = redisClient(url, {
      disableOfflineQueue: true,
      commandsQueueMaxLength: REDIS_MAX_PENDING_COMMANDS,
      maxReconnectWaitMs: MAX_RECONNECT_WAIT_MS,
    });
    const sub = redisClient(url, {
      commandsQueueMaxLength: MAX_WAITING_COMMANDS,
      maxReconnectWaitMs: MAX_RECONNECT_WAIT_MS,
    });
    const link = new RedisLink(pub, sub);
    for (const [name, client] of [
      ['publish', pub],
      ['subscribe', sub],
    ] as const) {
      let readyOnce = false;
      let down = false;
      client.on('error', (err: unknown) => {
        // node-redis reports every failed reconnect attempt: say it once per outage.
        if (down || link.closed) return;
        down = true;
        log.warn(
          { err, connection: name },
          'Redis unreachable; reconnecting (documents catch up from PostgreSQL once it is back)',
        );
      });
      client.on('ready', () => {
        if (down) log.info({ connection: name }, 'Redis connection back');
        down = false;
        if (readyOnce) for (const fn of link.reconnected) fn();
        readyOnce = true;
      });
    }
    try {
      await answerWithin(
        Promise.all([pub.connect(), sub.connect()]),
        timeoutMs,
        `REDIS_URL: Redis at ${redactUrl(url)}`,
      );
    } catch (err) {
      await link.close();
      throw err;
    }
    return link;
  }

  /** Both connections are up. */
  get isReady(): boolean {
    return this.pub.isReady && this.sub.isReady;
  }

  /** Called after a connection came back (not on the first connect). */
  onReconnected(fn: () => void): void {
    this.reconnected.add(fn);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.reconnected.clear();
    for (const c of [this.pub, this.sub]) {
      // A graceful close waits for every reply, which a cut link never brings.
      if (c.isOpen) await replyWithin(c.close(), REDIS_REPLY_WAIT_MS).catch(() => c.destroy());
      else c.destroy();
    }
  }
}

/** The URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}
