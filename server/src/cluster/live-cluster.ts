import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { createAdapter } from '@socket.io/redis-adapter';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ServerOptions } from 'socket.io';
import type { LiveOptions } from '../live/live-service.ts';
import type { ReadinessProbe } from '../routes/health.ts';
import { LiveRedis } from './live-redis.ts';
import { redisRateLimitStore } from './live-rate-limit-store.ts';
import { RedisLiveRelay } from './live-relay.ts';
import { RedisTokenBuckets } from './live-token-buckets.ts';

/** Everything the live side shares between instances through Redis (REDIS_URL set). */
export interface LiveCluster {
  /** Stored fixes and device registrations to and from every instance. */
  relay: RedisLiveRelay;
  /** Ingest token buckets shared by every instance. */
  buckets: NonNullable<LiveOptions['buckets']>;
  /** Login limits shared by every instance (`@fastify/rate-limit` store). */
  rateLimitStore: FastifyRateLimitStoreCtor;
  /** The official socket.io adapter, so a broadcast reaches the sockets of every instance. */
  adapter: NonNullable<ServerOptions['adapter']>;
  /** Readiness of Redis for `/api/health`. */
  probe: ReadinessProbe;
  close(): Promise<void>;
}

export interface LiveClusterLog {
  warn(obj: object, msg: string): void;
}

/**
 * Connect to Redis and build the shared parts. Throws when Redis does not answer at start (the
 * instance refuses to start rather than run alone while believing it is shared); later breaks are
 * survived (see the parts).
 */
export async function openLiveCluster(
  url: string,
  prefix: string,
  log: LiveClusterLog,
  registry?: Registry,
): Promise<LiveCluster> {
  const metrics = registry ? liveClusterMetrics(registry) : null;
  // One warning per break, not one per failed command.
  let warned = false;
  const redis = await LiveRedis.connect({
    url,
    prefix,
    onError: (err) => {
      if (warned) return;
      warned = true;
      log.warn({ err }, 'Redis connection failed; reconnecting (rate limits are per instance until it is back)');
    },
  });
  redis.cmd.on('ready', () => (warned = false));
  const fallback = (err: unknown) => {
    metrics?.fallbacks.inc();
    if (warned) return;
    warned = true;
    log.warn({ err }, 'Redis unavailable: rate limits are counted per instance until it is back');
  };
  const relay = await RedisLiveRelay.create(redis).catch(async (err: unknown) => {
    await redis.close();
    throw err;
  });
  if (metrics) {
    relay.onResync(() => metrics.resyncs.inc());
    metrics.watchReady(() => redis.ready);
  }
  return {
    relay,
    buckets: (name, rate, burst) => new RedisTokenBuckets(redis, name, rate, burst, fallback),
    rateLimitStore: redisRateLimitStore(redis, fallback),
    adapter: createAdapter(redis.adapterPub(), redis.adapterSub, { key: redis.key('socket.io') }),
    probe: (timeoutMs) => redis.ping(timeoutMs),
    async close() {
      await relay.close();
      await redis.close();
    },
  };
}

function liveClusterMetrics(registry: Registry) {
  return {
    resyncs: new Counter({
      name: 'jointmap_live_relay_resyncs_total',
      help: 'Catch-ups of the latest positions from storage after a break of the Redis relay',
      registers: [registry],
    }),
    /** Read at each scrape: whether every Redis connection of the live side is up now. */
    watchReady(isReady: () => boolean): void {
      registry.registerMetric(
        new Gauge({
          name: 'jointmap_live_redis_ready',
          help: 'Whether every Redis connection of the live side (relay, rate limits, socket.io adapter) is up (1) or not (0)',
          registers: [],
          collect() {
            this.set(isReady() ? 1 : 0);
          },
        }),
      );
    },
    fallbacks: new Counter({
      name: 'jointmap_rate_limit_fallbacks_total',
      help: "Rate-limit checks counted in this instance's memory because Redis could not be reached",
      registers: [registry],
    }),
  };
}
