import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ETA, DEFAULT_FRESHNESS, DEFAULT_TARGET_RADIUS_M } from '@jointmap/shared';
import { defaultConfig, loadConfig, settingVariables } from './config.ts';

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
