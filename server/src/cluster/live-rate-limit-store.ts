import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { LiveRedis } from './live-redis.ts';
import { REDIS_REPLY_WAIT_MS, replyWithin } from './redis-timing.ts';

/** A fixed window per key: count, and the window's remaining time (ms). Same as the plugin's RedisStore. */
const INCR = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  return {current, tonumber(ARGV[1])}
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {current, ttl}
`;

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** Most keys the in-memory fallback holds; past it the oldest windows are forgotten. */
const FALLBACK_KEYS = 10_000;

/**
 * A store for `@fastify/rate-limit` on our node-redis connection (the plugin's own Redis store
 * needs ioredis), so the login limits hold across instances: attempts spread over three
 * instances count once. While Redis is away, or does not answer within REDIS_REPLY_WAIT_MS (a cut
 * link), the count falls back to this instance's memory (a limit per instance, as with one
 * instance), never to no limit at all.
 */
export function redisRateLimitStore(redis: LiveRedis, onFallback: (err: unknown) => void): FastifyRateLimitStoreCtor {
  const fallback = new Map<string, { count: number; until: number }>();

  class Store implements FastifyRateLimitStore {
    constructor(
      _options?: unknown,
      private readonly namespace = 'rate-limit:',
    ) {}

    incr(key: string, callback: Callback, timeWindow: number): void {
      replyWithin(
        redis.cmd.eval(INCR, { keys: [redis.key(`${this.namespace}${key}`)], arguments: [String(timeWindow)] }),
        REDIS_REPLY_WAIT_MS,
      )
        .then((reply) => {
          const [current, ttl] = reply as [number, number];
          callback(null, { current, ttl });
        })
        .catch((err: unknown) => {
          onFallback(err);
          callback(null, countLocally(`${this.namespace}${key}`, timeWindow));
        });
    }

    child(routeOptions: { method?: unknown; url?: unknown; routeInfo?: { method?: unknown; url?: unknown } }) {
      // Route limits get the route in their keys; limits made with createRateLimit have no route.
      const info = routeOptions.routeInfo ?? {};
      const route = typeof info.url === 'string' ? `${String(info.method)}${info.url}` : 'custom';
      return new Store(undefined, `rate-limit:${route}:`);
    }
  }

  function countLocally(key: string, timeWindow: number): { current: number; ttl: number } {
    const now = Date.now();
    let entry = fallback.get(key);
    if (!entry || entry.until <= now) {
      if (fallback.size >= FALLBACK_KEYS) fallback.delete(fallback.keys().next().value!);
      entry = { count: 0, until: now + timeWindow };
      fallback.delete(key);
      fallback.set(key, entry);
    }
    entry.count += 1;
    return { current: entry.count, ttl: entry.until - now };
  }

  return Store as unknown as FastifyRateLimitStoreCtor;
}
