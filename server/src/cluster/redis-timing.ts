import { createClient } from 'redis';
import { backoffDelay } from '@jointmap/shared';
import { answerWithin } from '../answer-within.ts';

/**
 * How long the server waits on Redis. A link that is cut but not closed (a pulled cable, a dead
 * host) makes no command fail: it never answers, and TCP gives up only after about 15 minutes.
 * These bound that, for the clients (noticing the link is dead and reconnecting) and for the
 * callers on a request path (taking their "Redis away" path instead of waiting).
 */

/** Every connection sends a PING this often, so a quiet connection still hears from Redis. */
export const REDIS_PING_INTERVAL_MS = 1_000;

/**
 * A connection that hears nothing for this long (no reply to its PING) is taken for dead: it is
 * closed, and reconnects. Node counts a write as activity too, so a connection kept writing into
 * a dead link is only noticed once its commands stop (see REDIS_MAX_PENDING_COMMANDS).
 */
export const REDIS_SOCKET_TIMEOUT_MS = 5_000;

/**
 * Most commands a command connection holds unanswered; past it a command fails at once, without
 * being written. A dead link fills it, then the connection falls quiet and REDIS_SOCKET_TIMEOUT_MS
 * ends it. A burst on a healthy link can fill it too (commands made in one turn of the event loop
 * are all unanswered until the next): the relays publish through RedisPublisher, which holds what
 * does not fit and sends it as replies come.
 */
export const REDIS_MAX_PENDING_COMMANDS = 1_000;

/**
 * What a request path (a login's rate limit, a tracker fix's token bucket, a room subscribing
 * before it loads) waits for Redis before it goes on as when Redis is away.
 */
export const REDIS_REPLY_WAIT_MS = 1_000;

/**
 * `reply`, or an error once it is still pending after `ms` (node-redis cannot take back what it
 * wrote; a late answer is ignored).
 *
 * @example
 * const reply = await replyWithin(redis.cmd.eval(SCRIPT, args), REDIS_REPLY_WAIT_MS);
 */
export const replyWithin = <T>(reply: Promise<T>, ms: number): Promise<T> => answerWithin(reply, ms, 'Redis');

export interface RedisClientOptions {
  /** Commands fail at once while the link is down, instead of waiting for it. */
  disableOfflineQueue?: boolean;
  /** Most commands held unanswered (see REDIS_MAX_PENDING_COMMANDS). */
  commandsQueueMaxLength?: number;
  connectTimeoutMs?: number;
  /** Reconnect quickly at first (a restarted Redis is back in a second), then this often. */
  maxReconnectWaitMs: number;
}

/**
 * A node-redis client on `url` with the server's link settings: a PING every
 * REDIS_PING_INTERVAL_MS and a connection silent for REDIS_SOCKET_TIMEOUT_MS taken for dead, so a
 * link cut without a reset is noticed and reconnected. Its duplicates take the same settings.
 */
export function redisClient(url: string, options: RedisClientOptions) {
  const { maxReconnectWaitMs, connectTimeoutMs, ...client } = options;
  return createClient({
    url,
    ...client,
    pingInterval: REDIS_PING_INTERVAL_MS,
    socket: {
      ...(connectTimeoutMs !== undefined ? { connectTimeout: connectTimeoutMs } : {}),
      socketTimeout: REDIS_SOCKET_TIMEOUT_MS,
      reconnectStrategy: (retries: number) => backoffDelay(retries, { baseMs: 50, maxMs: maxReconnectWaitMs }),
    },
  });
}
