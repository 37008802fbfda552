import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Unset: embedded single-process mode. */
  redisUrl: string | null;
  /** Unset: SQLite under dataDir. */
  databaseUrl: string | null;
  /** HMAC secret for tokens; unset: generated once and kept in dataDir. */
  tokenSecret: string | null;
  tokenTtlSeconds: number;
  /** Largest accepted WebSocket message (bytes). */
  maxMessageBytes: number;
  /** Largest accepted HTTP body (bytes). */
  maxBodyBytes: number;
  /** A room with no connections is unloaded after this long. */
  roomIdleMs: number;
  /** A snapshot is written after this many appended updates. */
  snapshotEvery: number;
  /** Login attempts per minute per client address and user name. */
  loginRateLimit: number;
  /** Optional accounts/stations/devices file (JSON). */
  accountsFile: string | null;
  /** Seed the demo operation, stations and logins on first start. */
  seedDemo: boolean;
  /** Fixed password for the demo logins; unset: random ones printed and saved in dataDir. */
  demoPassword: string | null;
  /** Directory of the built client; unset: client/dist beside the server. */
  clientDir: string;
  logLevel: string;
  /**
   * Trust `X-Forwarded-For` from these proxies (Fastify `trustProxy`: false, true, or a list of
   * addresses/CIDRs). Off by default: otherwise any client could choose its own address and
   * escape the per-address login limit.
   */
  trustProxy: boolean | string[];
  /** Live positions are batched per operation for this long before fan-out (ms). */
  liveFlushMs: number;
  /** A unit with no fix for this long is drawn grey (ms). */
  staleAfterMs: number;
  /** A unit with no fix for this long is marked lost (ms). */
  lostAfterMs: number;
  /** Sustained position requests per second per device, and the burst allowed above it. */
  ingestRatePerSecond: number;
  ingestRateBurst: number;
  /** Fixes timestamped further ahead than this are refused (ms). */
  ingestMaxFutureMs: number;
  /** Fixes older than this are refused (ms). */
  ingestMaxAgeMs: number;
  /**
   * Customer basemaps drawn under the operation layers (none: the offline basemap only), read from
   * the JSON file named by `BASEMAPS_FILE` (an array of {@link BasemapSourceConfig}).
   */
  basemaps: BasemapSourceConfig[];
}

const int = (value: string | undefined, fallback: number, name: string): number => {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
};

/** Defaults for every setting; tests override what they need. */
export function defaultConfig(overrides: Partial<Config> = {}): Config {
  return {
    port: 8080,
    host: '127.0.0.1',
    dataDir: resolve('data'),
    redisUrl: null,
    databaseUrl: null,
    tokenSecret: null,
    tokenTtlSeconds: 12 * 3600,
    maxMessageBytes: 16 * 1024 * 1024,
    maxBodyBytes: 1024 * 1024,
    roomIdleMs: 30_000,
    snapshotEvery: 500,
    loginRateLimit: 10,
    accountsFile: null,
    seedDemo: true,
    demoPassword: null,
    clientDir: new URL('../../client/dist/', import.meta.url).pathname,
    logLevel: 'info',
    trustProxy: false,
    basemaps: [],
    liveFlushMs: 25,
    staleAfterMs: 60_000,
    lostAfterMs: 5 * 60_000,
    ingestRatePerSecond: 5,
    ingestRateBurst: 60,
    ingestMaxFutureMs: 5 * 60_000,
    ingestMaxAgeMs: 7 * 24 * 3600_000,
    ...overrides,
  };
}

/** Read the environment once, at process start. Nothing else reads `process.env`. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  return defaultConfig({
    port: int(env.PORT, 8080, 'PORT'),
    host: env.HOST || '127.0.0.1',
    dataDir: resolve(env.DATA_DIR || 'data'),
    redisUrl: env.REDIS_URL || null,
    databaseUrl: env.DATABASE_URL || null,
    tokenSecret: env.TOKEN_SECRET || null,
    tokenTtlSeconds: int(env.TOKEN_TTL_SECONDS, 12 * 3600, 'TOKEN_TTL_SECONDS'),
    maxMessageBytes: int(env.MAX_MESSAGE_BYTES, 16 * 1024 * 1024, 'MAX_MESSAGE_BYTES'),
    maxBodyBytes: int(env.MAX_BODY_BYTES, 1024 * 1024, 'MAX_BODY_BYTES'),
    roomIdleMs: int(env.ROOM_IDLE_MS, 30_000, 'ROOM_IDLE_MS'),
    snapshotEvery: int(env.SNAPSHOT_EVERY, 500, 'SNAPSHOT_EVERY'),
    loginRateLimit: int(env.LOGIN_RATE_LIMIT, 10, 'LOGIN_RATE_LIMIT'),
    accountsFile: env.ACCOUNTS_FILE || null,
    seedDemo: env.SEED_DEMO !== '0',
    demoPassword: env.DEMO_PASSWORD || null,
    ...(env.CLIENT_DIR ? { clientDir: resolve(env.CLIENT_DIR) } : {}),
    logLevel: env.LOG_LEVEL || 'info',
    trustProxy:
      env.TRUST_PROXY === 'true' ? true : env.TRUST_PROXY ? env.TRUST_PROXY.split(',').map((s) => s.trim()) : false,
    basemaps: env.BASEMAPS_FILE ? loadBasemaps(resolve(env.BASEMAPS_FILE)) : [],
    liveFlushMs: int(env.LIVE_FLUSH_MS, 25, 'LIVE_FLUSH_MS'),
    staleAfterMs: int(env.STALE_AFTER_MS, 60_000, 'STALE_AFTER_MS'),
    lostAfterMs: int(env.LOST_AFTER_MS, 5 * 60_000, 'LOST_AFTER_MS'),
    ingestRatePerSecond: int(env.INGEST_RATE_PER_SECOND, 5, 'INGEST_RATE_PER_SECOND'),
    ingestRateBurst: int(env.INGEST_RATE_BURST, 60, 'INGEST_RATE_BURST'),
    ingestMaxFutureMs: int(env.INGEST_MAX_FUTURE_MS, 5 * 60_000, 'INGEST_MAX_FUTURE_MS'),
    ingestMaxAgeMs: int(env.INGEST_MAX_AGE_MS, 7 * 24 * 3600_000, 'INGEST_MAX_AGE_MS'),
  });
}

/** Read and check the basemaps file once at start; a bad file stops the process with a message. */
export function loadBasemaps(path: string): BasemapSourceConfig[] {
  const list = JSON.parse(readFileSync(path, 'utf8')) as BasemapSourceConfig[];
  if (!Array.isArray(list)) throw new Error(`${path}: expected an array of basemaps`);
  return list.map((b, i) => {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(b.id ?? '')) throw new Error(`${path}[${i}]: bad id`);
    if (b.type !== 'pmtiles' && b.type !== 'xyz') throw new Error(`${path}[${i}]: type must be pmtiles or xyz`);
    if (b.type === 'pmtiles' && !b.file) throw new Error(`${path}[${i}]: pmtiles needs file`);
    if (b.type === 'xyz' && !/\{z\}/.test(b.url ?? ''))
      throw new Error(`${path}[${i}]: xyz needs a url with {z}/{x}/{y}`);
    if (!['WGS-84', 'CGCS2000', 'GCJ-02'].includes(b.crs))
      throw new Error(`${path}[${i}]: crs must be WGS-84, CGCS2000 or GCJ-02`);
    return { ...b, name: b.name || b.id, ...(b.file ? { file: resolve(dirname(path), b.file) } : {}) };
  });
}

/** One customer basemap: a PMTiles file served by us, or an intranet XYZ/WMTS tile URL. */
export interface BasemapSourceConfig {
  id: string;
  /** Shown in the layer panel. */
  name: string;
  type: 'pmtiles' | 'xyz';
  /** `pmtiles`: path of a raster PMTiles file on this server (served at `/api/basemap/pmtiles/<id>`). */
  file?: string;
  /** `xyz`: tile URL template with `{z}/{x}/{y}` (a WMTS REST template works the same way). */
  url?: string;
  /**
   * CRS of the tiles: `WGS-84` (or CGCS2000, equal here within a metre) is drawn as is; `GCJ-02`
   * tiles (Chinese web maps) are shifted by the client so they line up with WGS-84 data.
   */
  crs: 'WGS-84' | 'CGCS2000' | 'GCJ-02';
  tileSize?: number;
  minzoom?: number;
  maxzoom?: number;
  attribution?: string;
}
