import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ETA, DEFAULT_FRESHNESS, DEFAULT_TARGET_RADIUS_M } from '@jointmap/shared';
import { clientDirBeside, defaultConfig, loadConfig, settingVariables } from './config.ts';
import { contextCountiesPath } from './seed/demo-stations.ts';

const refused = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
};

describe('config', () => {
  it('an empty environment gives the defaults: local only, embedded storage, no relay', () => {
    expect(loadConfig({})).toEqual(defaultConfig());
    // The defaults live once, in SETTINGS (config.ts); these are the ones a fresh site relies on.
    expect(defaultConfig()).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dataDir: resolve('data'),
      redisUrl: null,
      databaseUrl: null,
      tokenSecret: null,
      sqliteSynchronous: 'normal',
      seedDemo: true,
      cotPort: null,
      metricsToken: null,
    });
    // Defaults the client falls back to are the shared constants, not a second literal here.
    expect(defaultConfig()).toMatchObject({
      staleAfterMs: DEFAULT_FRESHNESS.staleAfterMs,
      lostAfterMs: DEFAULT_FRESHNESS.lostAfterMs,
      taskTargetRadiusM: DEFAULT_TARGET_RADIUS_M,
    });
  });

  it('every environment variable is documented in the README configuration table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = readme
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => line.split('|')[1]!)
      .join(' ');
    const missing = settingVariables().filter((name) => !table.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('reads the dispatch, coverage and simulation variables', () => {
    const c = loadConfig({
      TASK_TARGET_RADIUS_M: '4500',
      ETA_DETOUR_FACTOR: '1.25',
      ETA_SPEEDS_KMH: 'car=50, foot=4.5',
      COVERAGE_FLUSH_MS: '100',
      SIMULATE: 'false',
      SEED_DEMO: '0',
    });
    expect({
      radius: c.taskTargetRadiusM,
      detour: c.etaDetourFactor,
      speeds: c.etaSpeedsKmh,
      ring: c.ringSpeedKmh,
      flush: c.coverageFlushMs,
      simulate: c.simulate,
      seedDemo: c.seedDemo,
    }).toEqual({
      radius: 4500,
      detour: 1.25,
      speeds: { ...DEFAULT_ETA.speedKmh, car: 50, foot: 4.5 },
      ring: 50,
      flush: 100,
      simulate: false,
      seedDemo: false,
    });
    expect(loadConfig({ RING_SPEED_KMH: '30', SIMULATE: '1' })).toMatchObject({ ringSpeedKmh: 30, simulate: true });
    expect(defaultConfig({ etaSpeedsKmh: { ...DEFAULT_ETA.speedKmh, car: 60 } }).ringSpeedKmh).toBe(60);
  });

  it('refuses bad values with a message naming the variable', () => {
    expect(refused({ TASK_TARGET_RADIUS_M: '-1' })).toBe(
      'TASK_TARGET_RADIUS_M must be a number of at least 0, got "-1"',
    );
    expect(refused({ ETA_DETOUR_FACTOR: '0.8' })).toBe('ETA_DETOUR_FACTOR must be a number of at least 1, got "0.8"');
    expect(refused({ RING_SPEED_KMH: '0' })).toBe('RING_SPEED_KMH must be a number above 0, got "0"');
    expect(refused({ COVERAGE_FLUSH_MS: '1.5' })).toBe('COVERAGE_FLUSH_MS must be a non-negative integer, got "1.5"');
    expect(refused({ SIMULATE: 'maybe' })).toBe('SIMULATE must be 1/true/yes or 0/false/no, got "maybe"');
    expect(refused({ ETA_SPEEDS_KMH: 'tank=20' })).toBe(
      'ETA_SPEEDS_KMH must look like "car=40,foot=5" (km/h by unit kind): unknown unit kind "tank"',
    );
    expect(refused({ ETA_SPEEDS_KMH: 'car=0' })).toMatch(/^ETA_SPEEDS_KMH must look like/);
  });

  it('finds the client and the demo data by file path under a directory named with a space and Chinese', () => {
    // `new URL(…).pathname` kept these percent-encoded: "/opt/%E8%81%94%E5%8B%A4%20%E5%9B%BE/…".
    const install = 'file:///opt/%E8%81%94%E5%8B%A4%20%E5%9B%BE/';
    expect(clientDirBeside(`${install}server/src/config.ts`)).toBe('/opt/联勤 图/client/dist/');
    expect(contextCountiesPath(new URL(`${install}server/demo-data/`))).toBe(
      '/opt/联勤 图/server/demo-data/context-counties.geojson',
    );
    // And the defaults are the paths of this checkout, as fileURLToPath gives them.
    expect(defaultConfig().clientDir).toBe(fileURLToPath(new URL('../../client/dist/', import.meta.url)));
    expect(contextCountiesPath()).toBe(
      fileURLToPath(new URL('../demo-data/context-counties.geojson', import.meta.url)),
    );
  });

  it('reads TRUST_PROXY as a flag or a list of proxy addresses, and refuses anything else', () => {
    for (const [raw, trust] of [
      ['1', true],
      ['TRUE', true],
      ['yes', true],
      ['0', false],
      ['No', false],
      ['10.0.0.5, 192.168.0.0/16,fd00::/8', ['10.0.0.5', '192.168.0.0/16', 'fd00::/8']],
      ['loopback,10.0.0.0/255.0.0.0', ['loopback', '10.0.0.0/255.0.0.0']],
    ] as const)
      expect([raw, loadConfig({ TRUST_PROXY: raw }).trustProxy]).toEqual([raw, trust]);
    // "2" would have been trusted as the address "2": no hop counts, the value is refused.
    // A /0 (every address) and a mask with a gap are what Fastify's proxy-addr refuses at start.
    for (const raw of [
      '2',
      'on',
      '10.0.0.300',
      '10.0.0.0/33',
      'proxy.example',
      '10.0.0.5,',
      '0.0.0.0/0',
      '::/0',
      '10.0.0.0/255.0.0.1',
      '10.0.0.0/0.0.0.0',
    ])
      expect(refused({ TRUST_PROXY: raw })).toMatch(
        /^TRUST_PROXY must be 1\/true\/yes, 0\/false\/no or a comma list of proxy addresses or CIDRs .* is not an address$/,
      );
  });

  it('refuses a zero where it makes no sense, keeps it where it means off or at once', () => {
    for (const name of [
      'TOKEN_TTL_SECONDS',
      'VIEWER_TOKEN_TTL_SECONDS',
      'MAX_MESSAGE_BYTES',
      'MAX_BODY_BYTES',
      'SYNC_QUEUE_MAX_MESSAGES',
      'SYNC_QUEUE_MAX_BYTES',
      'SYNC_STATE_REQUESTS_PER_MINUTE',
      'AWARENESS_MAX_CLIENTS',
      'SNAPSHOT_EVERY',
      'LOGIN_RATE_LIMIT',
      'LOGIN_ADDRESS_RATE_LIMIT',
      'STALE_AFTER_MS',
      'LOST_AFTER_MS',
      'INGEST_RATE_PER_SECOND',
      'INGEST_RATE_BURST',
      'INGEST_MAX_AGE_MS',
    ])
      expect(refused({ [name]: '0' })).toBe(`${name} must be a positive integer, got "0"`);
    expect(
      loadConfig({
        TRACK_KEEP_DAYS: '0',
        RETENTION_INTERVAL_MS: '0',
        AWARENESS_TICK_MS: '0',
        SYNC_COMMIT_TICK_MS: '0',
        ROOM_LOAD_RETRIES: '0',
        PORT: '0',
        COT_PORT: '0',
      }),
    ).toMatchObject({ trackKeepDays: 0, retentionIntervalMs: 0, awarenessTickMs: 0, port: 0, cotPort: 0 });
  });

  it('checks PORT, DATABASE_URL and REDIS_URL at start, naming the variable and not echoing a password', () => {
    expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
    expect(refused({ PORT: '65536' })).toBe(
      'PORT must be a port number from 0 to 65535 (0: any free port), got "65536"',
    );
    expect(refused({ COT_PORT: '70000' })).toMatch(/^COT_PORT must be a port number from 0 to 65535/);
    expect(
      loadConfig({ DATABASE_URL: 'postgresql://jm:s3cret@10.0.0.8/jm', REDIS_URL: 'rediss://10.0.0.7:6380' }),
    ).toMatchObject({ databaseUrl: 'postgresql://jm:s3cret@10.0.0.8/jm', redisUrl: 'rediss://10.0.0.7:6380' });
    expect(loadConfig({ DATABASE_URL: 'postgres:///jm?host=/var/run/postgresql' }).databaseUrl).toBe(
      'postgres:///jm?host=/var/run/postgresql',
    );
    // The other forms node-postgres takes: a socket directory and database, a socket: URL.
    for (const raw of ['/var/run/postgresql jm', 'socket:/var/run/postgresql?db=jm'])
      expect(loadConfig({ DATABASE_URL: raw }).databaseUrl).toBe(raw);
    const db = refused({ DATABASE_URL: 'mysql://jm:s3cret@10.0.0.8/jm' });
    expect(db).toMatch(/^DATABASE_URL must be a postgres: or postgresql: URL such as .*, got a mysql: URL$/);
    expect(db).not.toContain('s3cret');
    expect(refused({ DATABASE_URL: 'jm:s3cret@10.0.0.8/jm' })).toMatch(/^DATABASE_URL must be .*, got a jm: URL$/);
    expect(refused({ DATABASE_URL: '10.0.0.8:5432' })).toMatch(
      /^DATABASE_URL must be .*, got something that is not a URL$/,
    );
    expect(refused({ REDIS_URL: 'http://10.0.0.7:6379' })).toMatch(
      /^REDIS_URL must be a redis: or rediss: URL such as .*, got a http: URL$/,
    );
  });
});
