import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_ETA, DEFAULT_FRESHNESS, DEFAULT_TARGET_RADIUS_M, type UnitKind } from '@jointmap/shared';
import { basemapFormat, type BasemapFormat } from './basemap-format.ts';
import {
  absolutePath,
  flag,
  nonNegativeInt,
  numberAtLeast,
  port,
  positiveInt,
  renewalMs,
  speeds,
  text,
  trustProxy,
  urlOf,
} from './config-parse.ts';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /**
   * Where operation archives are written and kept (default `DATA_DIR/archives`). With several
   * instances, one directory they all reach (a shared mount): else an archive's file is only on
   * the instance that wrote it (`ARCHIVE_ELSEWHERE` on the others).
   */
  archiveDir: string;
  /** Unset: embedded single-process mode. */
  redisUrl: string | null;
  /** Unset: SQLite under dataDir. */
  databaseUrl: string | null;
  /** HMAC secret for tokens; unset: generated once and kept in the database. */
  tokenSecret: string | null;
  tokenTtlSeconds: number;
  /** Token lifetime of viewers (unattended wall displays, which renew it by themselves). */
  viewerTokenTtlSeconds: number;
  /** Largest accepted WebSocket message (bytes); the server's own messages are not limited. */
  maxMessageBytes: number;
  /** Messages of one sync connection waiting for its document; one more closes it (`RATE_LIMITED`). */
  syncQueueMaxMessages: number;
  /** Bytes of those waiting messages. */
  syncQueueMaxBytes: number;
  /** Sync step 1 requests (each answered with an encoded state) per minute per sync connection. */
  syncStateRequestsPerMinute: number;
  /**
   * Bytes one sync connection may have waiting to go out behind a large answer going out in pieces
   * (the answer itself not counted); more closes it (`RATE_LIMITED`): it reads slower than it is sent.
   */
  syncSendBacklogMaxBytes: number;
  /** Presence (awareness) client ids per sync connection; states for further ids are ignored. */
  awarenessMaxClients: number;
  /** Open sync connections of one session on one instance; one more is refused (`RATE_LIMITED`). */
  syncMaxPerSession: number;
  /** Open live (socket.io) connections of one session on one instance; one more is refused. */
  liveMaxPerSession: number;
  /** Operations one live connection may have joined at once; one more join is refused. */
  liveMaxOperations: number;
  /** Largest accepted HTTP body (bytes). */
  maxBodyBytes: number;
  /** A room with no connections is unloaded after this long. */
  roomIdleMs: number;
  /** A snapshot is written after this many appended updates. */
  snapshotEvery: number;
  /** SQLite `synchronous`: `normal` survives a process crash, `full` also a power loss (slower commits). */
  sqliteSynchronous: 'normal' | 'full';
  /** A document whose load fails is tried again this many times before the client is refused. */
  roomLoadRetries: number;
  /** Wait before the first retry of a failed document load (ms); doubles for each further retry. */
  roomLoadBackoffMs: number;
  /** Login attempts per minute per client address and user name. */
  loginRateLimit: number;
  /** Login attempts per minute per client address, whatever the user names (spraying names). */
  loginAddressRateLimit: number;
  /** Bearer token a metrics scraper sends to read `/api/metrics` (commanders may read it too). */
  metricsToken: string | null;
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
   * escape the per-address login limit. No hop count: `TRUST_PROXY=1` is the flag (as SEED_DEMO=1),
   * and a count would trust whatever address sits that far back in the header.
   */
  trustProxy: boolean | string[];
  /** Live positions are batched per operation for this long before fan-out (ms). */
  liveFlushMs: number;
  /** A unit with no fix for this long is drawn grey (ms). */
  staleAfterMs: number;
  /** A unit with no fix for this long is marked lost (ms). */
  lostAfterMs: number;
  /** Sustained position fixes per second per device, and the burst allowed above it (charged per fix). */
  ingestRatePerSecond: number;
  ingestRateBurst: number;
  /** Position requests naming an unregistered device id, per minute per client address (also the burst). */
  ingestUnknownRateLimit: number;
  /** Fixes timestamped further ahead than this are refused (ms). */
  ingestMaxFutureMs: number;
  /** Fixes older than this are refused (ms). */
  ingestMaxAgeMs: number;
  /**
   * Customer basemaps drawn under the operation layers (none: the offline basemap only), read from
   * the JSON file named by `BASEMAPS_FILE` (an array of {@link BasemapSourceConfig}).
   */
  basemaps: BasemapSourceConfig[];
  /** Default target stations of a task: jurisdictions within this distance of its location (m). */
  taskTargetRadiusM: number;
  /** ETA estimate: straight-line distance × this factor ÷ speed. */
  etaDetourFactor: number;
  /** ETA estimate: speed by unit kind (km/h). */
  etaSpeedsKmh: Record<UnitKind, number>;
  /** Reference speed of the 1/3/5/8-minute rings (km/h); default: the car speed. */
  ringSpeedKmh: number;
  /** Coverage changes are batched per operation this long before they are sent (ms). */
  coverageFlushMs: number;
  /** With the demo seeded, drive the demo units and play the demo story. */
  simulate: boolean;
  /** Multiplies the waits of the demo story (0.1: the ~4-minute story plays in ~25 s). */
  demoTimeScale: number;
  /** Alerts: a unit must be this far past a zone or corridor edge before it counts as in or out (m). */
  alertMarginM: number;
  /** Alerts: a crossing or an overspeed must last this long (device time, s) before it is raised. */
  alertMinDurationS: number;
  /** Alerts: a unit that stays within this radius (m) counts as stopped (long-stop rules). */
  alertStopRadiusM: number;
  /** Alerts: how often units are checked for signal loss (ms). */
  alertCheckMs: number;
  /** Alerts: at start, the engine's per-unit state is rebuilt from this many minutes of track. */
  alertReplayMinutes: number;
  /** Tracks are kept at full resolution this many days, then thinned (0: never thinned). */
  trackFullDays: number;
  /** Fixes older than this many days are deleted, except those of kept operations (0: never). */
  trackKeepDays: number;
  /** Thinning keeps every dropped fix within this many metres of the thinned line. */
  trackThinToleranceM: number;
  /** How often the retention job runs (ms; 0: never, e.g. in tests that run it by hand). */
  retentionIntervalMs: number;
  /** Fixes per retention transaction; the job yields to ingest and relays between batches. */
  retentionBatch: number;
  /** Free disk (MiB) under which commanders are warned (metric, log, console banner). */
  diskWarnFreeMib: number;
  /** Largest operation archive (MiB) restored, unpacked or uploaded; larger ones are refused. */
  archiveMaxMib: number;
  /** Largest GeoJSON/KML/KMZ/GPX file imported (MiB; a KMZ also unpacked). */
  importMaxMib: number;
  /** Most annotations one import may add (more refuses the whole file). */
  importMaxFeatures: number;
  /**
   * Prepended to every Redis key and channel (REDIS_URL set), so several deployments, or test
   * runs, share one Redis without seeing each other.
   */
  redisPrefix: string;
  /** TCP port of the Cursor-on-Target bridge for TAK clients (null: no bridge). */
  cotPort: number | null;
  /** Address the CoT bridge binds (default: HOST). */
  cotHost: string;
  /** PEM certificate and key: the CoT port speaks TLS (both or neither). */
  cotTlsCert: string | null;
  cotTlsKey: string | null;
  /** PEM CA bundle: TAK clients must present a certificate it signed (needs cert and key). */
  cotTlsCa: string | null;
  /** Presence changes of a document are gathered this long (ms) and sent as one message per connection (0: at once). */
  awarenessTickMs: number;
  /** Document updates are appended together over this tick (ms; 0: those of one event-loop turn). */
  syncCommitTickMs: number;
  /** Presence renewals (a state announced again unchanged) are gathered this long (ms, ≤ 10 s; 0: with the changes). */
  awarenessRenewalMs: number;
  /**
   * Sync sockets are pinged this often (ms); one that did not answer the previous ping by the next
   * is dropped. Set in code only (tests shorten it).
   */
  syncHeartbeatMs: number;
  /**
   * A sync socket sent nothing for this long is sent a keepalive (ms). Set in code only: the
   * client's silence limit (6 s, `SILENT_LINK_MS`) assumes the default.
   */
  syncKeepaliveMs: number;
}

/**
 * One setting: the environment variable it is read from (none: only set in code), its default
 * (which may use settings listed before it) and the parser of its environment value, which
 * throws a message naming the variable on a bad value so the process refuses to start.
 */
interface Setting<T> {
  env?: string;
  default: (earlier: Readonly<Config>) => T;
  parse?: (raw: string, name: string) => T;
}

const value =
  <T>(v: T) =>
  (): T =>
    v;

/** The built client beside the server whose module is at `moduleUrl`: a file path, not URL-encoded. */
export const clientDirBeside = (moduleUrl: string | URL): string =>
  fileURLToPath(new URL('../../client/dist/', moduleUrl));

/**
 * Every setting, once: `defaultConfig` takes the defaults from here and `loadConfig` the
 * variable names and parsers, so a default is never written twice. Listed in dependency order.
 */
const SETTINGS: { [K in keyof Config]: Setting<Config[K]> } = {
  port: { env: 'PORT', default: value(8080), parse: port },
  host: { env: 'HOST', default: value('127.0.0.1'), parse: text },
  dataDir: { env: 'DATA_DIR', default: () => resolve('data'), parse: absolutePath },
  archiveDir: { env: 'ARCHIVE_DIR', default: (c) => join(c.dataDir, 'archives'), parse: absolutePath },
  redisUrl: { env: 'REDIS_URL', default: value(null), parse: urlOf(['redis:', 'rediss:'], 'redis://10.0.0.7:6379') },
  databaseUrl: {
    env: 'DATABASE_URL',
    default: value(null),
    parse: urlOf(['postgres:', 'postgresql:'], 'postgres://jointmap:secret@10.0.0.8:5432/jointmap'),
  },
  tokenSecret: { env: 'TOKEN_SECRET', default: value(null), parse: text },
  tokenTtlSeconds: { env: 'TOKEN_TTL_SECONDS', default: value(12 * 3600), parse: positiveInt },
  viewerTokenTtlSeconds: {
    env: 'VIEWER_TOKEN_TTL_SECONDS',
    default: (c) => Math.max(c.tokenTtlSeconds, 30 * 86400),
    parse: positiveInt,
  },
  maxMessageBytes: { env: 'MAX_MESSAGE_BYTES', default: value(4 * 1024 * 1024), parse: positiveInt },
  syncQueueMaxMessages: { env: 'SYNC_QUEUE_MAX_MESSAGES', default: value(1000), parse: positiveInt },
  syncQueueMaxBytes: { env: 'SYNC_QUEUE_MAX_BYTES', default: (c) => 2 * c.maxMessageBytes, parse: positiveInt },
  syncStateRequestsPerMinute: { env: 'SYNC_STATE_REQUESTS_PER_MINUTE', default: value(20), parse: positiveInt },
  syncSendBacklogMaxBytes: {
    env: 'SYNC_SEND_BACKLOG_MAX_BYTES',
    default: value(32 * 1024 * 1024),
    parse: positiveInt,
  },
  awarenessMaxClients: { env: 'AWARENESS_MAX_CLIENTS', default: value(4), parse: positiveInt },
  syncMaxPerSession: { env: 'SYNC_MAX_PER_SESSION', default: value(64), parse: positiveInt },
  liveMaxPerSession: { env: 'LIVE_MAX_PER_SESSION', default: value(16), parse: positiveInt },
  liveMaxOperations: { env: 'LIVE_MAX_OPERATIONS', default: value(32), parse: positiveInt },
  maxBodyBytes: { env: 'MAX_BODY_BYTES', default: value(1024 * 1024), parse: positiveInt },
  roomIdleMs: { env: 'ROOM_IDLE_MS', default: value(30_000), parse: nonNegativeInt },
  snapshotEvery: { env: 'SNAPSHOT_EVERY', default: value(500), parse: positiveInt },
  sqliteSynchronous: {
    env: 'SQLITE_SYNCHRONOUS',
    default: value('normal'),
    parse: (raw, name) => {
      const v = raw.trim().toLowerCase();
      if (v === 'normal' || v === 'full') return v;
      throw new Error(`${name} must be normal or full, got "${raw}"`);
    },
  },
  roomLoadRetries: { env: 'ROOM_LOAD_RETRIES', default: value(3), parse: nonNegativeInt },
  roomLoadBackoffMs: { env: 'ROOM_LOAD_BACKOFF_MS', default: value(200), parse: nonNegativeInt },
  loginRateLimit: { env: 'LOGIN_RATE_LIMIT', default: value(10), parse: positiveInt },
  loginAddressRateLimit: { env: 'LOGIN_ADDRESS_RATE_LIMIT', default: value(30), parse: positiveInt },
  metricsToken: { env: 'METRICS_TOKEN', default: value(null), parse: text },
  accountsFile: { env: 'ACCOUNTS_FILE', default: value(null), parse: text },
  seedDemo: { env: 'SEED_DEMO', default: value(true), parse: flag },
  demoPassword: { env: 'DEMO_PASSWORD', default: value(null), parse: text },
  clientDir: {
    env: 'CLIENT_DIR',
    default: () => clientDirBeside(import.meta.url),
    parse: absolutePath,
  },
  logLevel: { env: 'LOG_LEVEL', default: value('info'), parse: text },
  trustProxy: { env: 'TRUST_PROXY', default: value(false), parse: trustProxy },
  basemaps: { env: 'BASEMAPS_FILE', default: () => [], parse: (raw) => loadBasemaps(resolve(raw)) },
  liveFlushMs: { env: 'LIVE_FLUSH_MS', default: value(25), parse: nonNegativeInt },
  staleAfterMs: { env: 'STALE_AFTER_MS', default: value(DEFAULT_FRESHNESS.staleAfterMs), parse: positiveInt },
  lostAfterMs: { env: 'LOST_AFTER_MS', default: value(DEFAULT_FRESHNESS.lostAfterMs), parse: positiveInt },
  ingestRatePerSecond: { env: 'INGEST_RATE_PER_SECOND', default: value(5), parse: positiveInt },
  ingestRateBurst: { env: 'INGEST_RATE_BURST', default: value(60), parse: positiveInt },
  ingestUnknownRateLimit: { env: 'INGEST_UNKNOWN_RATE_LIMIT', default: value(30), parse: numberAtLeast(1) },
  ingestMaxFutureMs: { env: 'INGEST_MAX_FUTURE_MS', default: value(5 * 60_000), parse: nonNegativeInt },
  ingestMaxAgeMs: { env: 'INGEST_MAX_AGE_MS', default: value(7 * 24 * 3600_000), parse: positiveInt },
  taskTargetRadiusM: { env: 'TASK_TARGET_RADIUS_M', default: value(DEFAULT_TARGET_RADIUS_M), parse: numberAtLeast(0) },
  etaDetourFactor: { env: 'ETA_DETOUR_FACTOR', default: value(DEFAULT_ETA.detourFactor), parse: numberAtLeast(1) },
  etaSpeedsKmh: { env: 'ETA_SPEEDS_KMH', default: () => ({ ...DEFAULT_ETA.speedKmh }), parse: speeds },
  ringSpeedKmh: { env: 'RING_SPEED_KMH', default: (c) => c.etaSpeedsKmh.car, parse: numberAtLeast(0, true) },
  coverageFlushMs: { env: 'COVERAGE_FLUSH_MS', default: value(250), parse: nonNegativeInt },
  simulate: { env: 'SIMULATE', default: value(true), parse: flag },
  demoTimeScale: { env: 'DEMO_TIME_SCALE', default: value(1), parse: numberAtLeast(0, true) },
  alertMarginM: { env: 'ALERT_MARGIN_M', default: value(15), parse: numberAtLeast(0) },
  alertMinDurationS: { env: 'ALERT_MIN_DURATION_S', default: value(10), parse: numberAtLeast(0) },
  alertStopRadiusM: { env: 'ALERT_STOP_RADIUS_M', default: value(30), parse: numberAtLeast(1) },
  alertCheckMs: { env: 'ALERT_CHECK_MS', default: value(10_000), parse: numberAtLeast(100) },
  alertReplayMinutes: { env: 'ALERT_REPLAY_MINUTES', default: value(60), parse: numberAtLeast(0) },
  trackFullDays: { env: 'TRACK_FULL_DAYS', default: value(7), parse: numberAtLeast(0) },
  trackKeepDays: { env: 'TRACK_KEEP_DAYS', default: value(90), parse: numberAtLeast(0) },
  trackThinToleranceM: { env: 'TRACK_THIN_TOLERANCE_M', default: value(10), parse: numberAtLeast(0) },
  retentionIntervalMs: { env: 'RETENTION_INTERVAL_MS', default: value(10 * 60_000), parse: nonNegativeInt },
  retentionBatch: { env: 'RETENTION_BATCH', default: value(250), parse: numberAtLeast(10) },
  diskWarnFreeMib: { env: 'DISK_WARN_FREE_MIB', default: value(2048), parse: numberAtLeast(0) },
  archiveMaxMib: { env: 'ARCHIVE_MAX_MIB', default: value(4096), parse: numberAtLeast(1) },
  importMaxMib: { env: 'IMPORT_MAX_MIB', default: value(20), parse: numberAtLeast(1) },
  importMaxFeatures: { env: 'IMPORT_MAX_FEATURES', default: value(5000), parse: numberAtLeast(1) },
  redisPrefix: { env: 'REDIS_PREFIX', default: value('jointmap:'), parse: text },
  cotPort: { env: 'COT_PORT', default: value(null), parse: port },
  cotHost: { env: 'COT_HOST', default: (c) => c.host, parse: text },
  cotTlsCert: { env: 'COT_TLS_CERT', default: value(null), parse: absolutePath },
  cotTlsKey: { env: 'COT_TLS_KEY', default: value(null), parse: absolutePath },
  cotTlsCa: { env: 'COT_TLS_CA', default: value(null), parse: absolutePath },
  awarenessTickMs: { env: 'AWARENESS_TICK_MS', default: value(15), parse: nonNegativeInt },
  syncCommitTickMs: { env: 'SYNC_COMMIT_TICK_MS', default: value(0), parse: nonNegativeInt },
  awarenessRenewalMs: { env: 'AWARENESS_RENEWAL_MS', default: value(3000), parse: renewalMs },
  syncHeartbeatMs: { default: value(30_000) },
  syncKeepaliveMs: { default: value(2_000) },
};

/** Defaults for every setting; tests override what they need. */
export function defaultConfig(overrides: Partial<Config> = {}): Config {
  const config = {} as Record<keyof Config, unknown>;
  for (const key of Object.keys(SETTINGS) as Array<keyof Config>) {
    const given = overrides[key];
    config[key] = given !== undefined ? given : SETTINGS[key].default(config as Config);
  }
  return config as Config;
}

/**
 * Read the environment once, at process start. Nothing else reads `process.env`. An unset or
 * empty variable keeps the default; a bad value throws a message naming the variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const overrides: Record<string, unknown> = {};
  for (const key of Object.keys(SETTINGS) as Array<keyof Config>) {
    const { env: name, parse } = SETTINGS[key] as Setting<unknown>;
    const raw = name ? env[name] : undefined;
    if (name && parse && raw !== undefined && raw !== '') overrides[key] = parse(raw, name);
  }
  return defaultConfig(overrides as Partial<Config>);
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
    const file = b.file ? resolve(dirname(path), b.file) : undefined;
    const format = basemapFormat({ ...b, file });
    if (typeof format === 'object') throw new Error(`${path}[${i}]: ${format.error}`);
    return { ...b, name: b.name || b.id, format, ...(file ? { file } : {}) };
  });
}

/** One customer basemap: a PMTiles file served by us, or an intranet XYZ/WMTS tile URL. */
export interface BasemapSourceConfig {
  id: string;
  /** Shown in the layer panel. */
  name: string;
  type: 'pmtiles' | 'xyz';
  /** `pmtiles`: path of a PMTiles file (raster or vector) on this server (served at `/api/basemap/pmtiles/<id>`). */
  file?: string;
  /** `xyz`: tile URL template with `{z}/{x}/{y}` (a WMTS REST template works the same way). */
  url?: string;
  /**
   * CRS of the tiles: `WGS-84` (or CGCS2000, equal here within a metre) is drawn as is; `GCJ-02`
   * tiles (Chinese web maps) are shifted by the client so they line up with WGS-84 data.
   */
  crs: 'WGS-84' | 'CGCS2000' | 'GCJ-02';
  /**
   * `raster` (images) or `vector` (MVT, drawn with the bundled style in
   * client/src/lib/map/vector-style.ts). A PMTiles file's header decides, an explicit value must
   * agree; an `xyz` URL is raster unless set. Vector tiles in GCJ-02 are refused.
   */
  format?: BasemapFormat;
  tileSize?: number;
  minzoom?: number;
  maxzoom?: number;
  attribution?: string;
}

/** Every environment variable the server reads (the README's configuration table lists each). */
export function settingVariables(): string[] {
  return Object.values(SETTINGS as Record<string, Setting<unknown>>).flatMap((s) => (s.env ? [s.env] : []));
}
