import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ETA } from '@jointmap/shared';
import { defaultConfig, loadConfig } from './config.ts';

describe('config', () => {
  it('an empty environment gives exactly the defaults', () => {
    expect(loadConfig({})).toEqual(defaultConfig());
    expect(defaultConfig()).toEqual({
      port: 8080,
      host: '127.0.0.1',
      dataDir: resolve('data'),
      redisUrl: null,
      databaseUrl: null,
      tokenSecret: null,
      tokenTtlSeconds: 43_200,
      viewerTokenTtlSeconds: 30 * 86400,
      maxMessageBytes: 4 * 1024 * 1024,
      syncQueueMaxMessages: 1000,
      syncQueueMaxBytes: 8 * 1024 * 1024,
      syncStateRequestsPerMinute: 20,
      awarenessMaxClients: 4,
      maxBodyBytes: 1024 * 1024,
      roomIdleMs: 30_000,
      snapshotEvery: 500,
      sqliteSynchronous: 'normal',
      roomLoadRetries: 3,
      roomLoadBackoffMs: 200,
      loginRateLimit: 10,
      loginAddressRateLimit: 30,
      metricsToken: null,
      accountsFile: null,
      seedDemo: true,
      demoPassword: null,
      clientDir: new URL('../../client/dist/', import.meta.url).pathname,
      logLevel: 'info',
      trustProxy: false,
      basemaps: [],
      liveFlushMs: 25,
      staleAfterMs: 60_000,
      lostAfterMs: 300_000,
      ingestRatePerSecond: 5,
      ingestRateBurst: 60,
      ingestUnknownRateLimit: 30,
      ingestMaxFutureMs: 300_000,
      ingestMaxAgeMs: 604_800_000,
      taskTargetRadiusM: 3000,
      etaDetourFactor: 1.4,
      etaSpeedsKmh: { car: 40, motorbike: 35, foot: 5, dog: 6, drone: 50, boat: 15 },
      ringSpeedKmh: 40,
      coverageFlushMs: 250,
      simulate: true,
      demoTimeScale: 1,
      alertMarginM: 15,
      alertMinDurationS: 10,
      alertStopRadiusM: 30,
      alertCheckMs: 10_000,
      alertReplayMinutes: 60,
      trackFullDays: 7,
      trackKeepDays: 90,
      trackThinToleranceM: 10,
      retentionIntervalMs: 600_000,
      retentionBatch: 250,
      diskWarnFreeMib: 2048,
      archiveMaxMib: 4096,
      importMaxMib: 20,
      importMaxFeatures: 5000,
    });
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
    const refused = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return null;
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(refused({ TASK_TARGET_RADIUS_M: '-1' })).toBe(
      'TASK_TARGET_RADIUS_M must be a number of at least 0, got "-1"',
    );
    expect(refused({ ETA_DETOUR_FACTOR: '0.8' })).toBe('ETA_DETOUR_FACTOR must be a number of at least 1, got "0.8"');
    expect(refused({ RING_SPEED_KMH: '0' })).toBe('RING_SPEED_KMH must be a number above 0, got "0"');
    expect(refused({ COVERAGE_FLUSH_MS: '1.5' })).toBe('COVERAGE_FLUSH_MS must be a non-negative integer, got "1.5"');
    expect(refused({ SIMULATE: 'yes' })).toBe('SIMULATE must be 1/true or 0/false, got "yes"');
    expect(refused({ ETA_SPEEDS_KMH: 'tank=20' })).toBe(
      'ETA_SPEEDS_KMH must look like "car=40,foot=5" (km/h by unit kind): unknown unit kind "tank"',
    );
    expect(refused({ ETA_SPEEDS_KMH: 'car=0' })).toMatch(/^ETA_SPEEDS_KMH must look like/);
  });
});
