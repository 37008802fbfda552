import { TokenBuckets, type RateBuckets, type RateVerdict } from '../live/token-bucket.ts';
import type { LiveRedis } from './live-redis.ts';
import { REDIS_REPLY_WAIT_MS, replyWithin } from './redis-timing.ts';

/**
 * The token bucket of server/src/live/token-bucket.ts as one Lua script, so a take is atomic on
 * Redis whatever instance asks. Time is Redis's own clock (`TIME`), so instances whose clocks
 * differ agree. A key expires once its bucket would be full again (it then costs no memory).
 * ARGV: rate per second, burst, cost. Returns {1|0, seconds to wait (-1: never)}.
 */
const TAKE = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local held = redis.call('HMGET', KEYS[1], 't', 'a')
local tokens = tonumber(held[1])
local at = tonumber(held[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
local needed = math.min(cost, math.max(1, burst))
local ok = 0
local wait = 0
if tokens >= needed then
  tokens = tokens - cost
  ok = 1
elseif rate > 0 then
  wait = math.ceil((needed - tokens) / rate)
else
  wait = -1
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'a', tostring(now))
if rate > 0 then
  redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
else
  redis.call('PEXPIRE', KEYS[1], 86400000)
end
return {ok, wait}
`;

/**
 * {@link RateBuckets} shared by every instance through Redis. While Redis is away, or does not
 * answer within REDIS_REPLY_WAIT_MS (a cut link), each instance falls back to its own in-memory
 * buckets (the limit is then per instance, as with one instance), so trackers keep reporting;
 * `onFallback` is told each time.
 */
export class RedisTokenBuckets implements RateBuckets {
  private readonly local: TokenBuckets;

  constructor(
    private readonly redis: LiveRedis,
    private readonly name: string,
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly onFallback: (err: unknown) => void = () => undefined,
  ) {
    this.local = new TokenBuckets(ratePerSecond, burst);
  }

  async attempt(key: string, cost = 1): Promise<RateVerdict> {
    try {
      const reply = (await replyWithin(
        this.redis.cmd.eval(TAKE, {
          keys: [this.redis.key(`rate:${this.name}:${key}`)],
          arguments: [String(this.ratePerSecond), String(this.burst), String(cost)],
        }),
        REDIS_REPLY_WAIT_MS,
      )) as [number, number];
      const [ok, wait] = reply;
      return { ok: ok === 1, retryAfterSeconds: wait < 0 ? Number.POSITIVE_INFINITY : wait };
    } catch (err) {
      this.onFallback(err);
      return this.local.attempt(key, cost);
    }
  }
}
