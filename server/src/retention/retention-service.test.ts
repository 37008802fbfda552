import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import { storedFix } from '../storage/stored-fix.test-support.ts';
import type { PositionFix } from '../storage/types.ts';
import { RetentionService, SKIPS_BEFORE_WARNING, type RetentionServiceOptions } from './retention-service.ts';

const DAY = 24 * 3600_000;
const NOW = Date.UTC(2026, 5, 1);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function storage(): SqliteStorage {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-retention-service-'));
  const s = new SqliteStorage(dir);
  cleanups.push(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return s;
}

/** `n` fixes at 1 Hz from `start` along a straight street at 10 m/s: thinning keeps about one a minute. */
const street = (start: number, n: number): PositionFix[] =>
  Array.from({ length: n }, (_, i) =>
    storedFix({
      stationId: 'a',
      unitId: 'car-1',
      deviceId: 'car-1-gps',
      time: start + i * 1000,
      lng: 120.3 + i * 0.0001,
      lat: 30.5,
      speed: 10,
      bearing: 90,
      accuracy: 5,
      receivedAt: start + i * 1000 + 50,
    }),
  );

interface Logged {
  level: 'info' | 'warn' | 'error';
  obj: unknown;
  msg: string | undefined;
}

/** A service on `store` (with `lock`, if given) with its own registry and a log the test reads. */
function service(store: SqliteStorage, { lock }: Pick<RetentionServiceOptions, 'lock'> = {}) {
  const registry = new Registry();
  const logged: Logged[] = [];
  const at =
    (level: Logged['level']) =>
    (obj: unknown, msg?: string): void =>
      void logged.push({ level, obj, msg });
  const retention = new RetentionService({
    store,
    lock,
    policy: { fullDays: 7, keepDays: 90, toleranceM: 10, batch: 100 },
    intervalMs: 0,
    sqliteFile: null,
    dataDir: tmpdir(),
    warnFreeBytes: 0,
    registry,
    log: { info: at('info'), warn: at('warn'), error: at('error') } as never,
    now: () => NOW,
  });
  cleanups.push(() => retention.stop());
  const runs = async () => {
    const metric = await registry.getSingleMetric('jointmap_retention_runs_total')!.get();
    return Object.fromEntries(metric.values.map((v) => [v.labels.outcome, v.value]));
  };
  const thinned = async () => {
    const metric = await registry.getSingleMetric('jointmap_retention_fixes_total')!.get();
    return metric.values.find((v) => v.labels.action === 'thinned')?.value ?? 0;
  };
  return { retention, logged, runs, thinned };
}

describe('retention service: runs counted per run, failures logged', () => {
  it('a run that finds nothing after one that thinned succeeds, and is counted', async () => {
    const s = storage();
    await s.appendPositions(street(NOW - 20 * DAY, 600));
    const { retention, runs, thinned } = service(s);

    const first = await retention.runNow();
    expect(first.thinRemoved).toBeGreaterThan(500);
    expect(await thinned()).toBe(first.thinRemoved);
    // The track is emptied: the next run has no unit, so it reports no progress before it ends.
    await s.dropFixesIn('a', 'car-1', 0, NOW, 100_000);

    const second = await retention.runNow();
    expect(second).toMatchObject({ unitsTotal: 0, thinRemoved: 0, error: null });
    expect(await runs()).toEqual({ ok: 2 });
    expect(await thinned()).toBe(first.thinRemoved);
  });

  it('a run whose storage call throws: its own error is logged and rethrown, and it counts as failed', async () => {
    const s = storage();
    await s.appendPositions(street(NOW - 20 * DAY, 600));
    const failing = new Proxy(s, {
      get: (target, key) =>
        key === 'trackStations' && broken
          ? () => Promise.reject(new Error('disk I/O error'))
          : (Reflect.get(target, key) as unknown),
    });
    let broken = false;
    const { retention, logged, runs } = service(failing);
    expect((await retention.runNow()).thinRemoved).toBeGreaterThan(500);

    broken = true;
    await expect(retention.runNow()).rejects.toThrow('disk I/O error');
    const errors = logged.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ msg: 'track retention run failed', obj: { err: { message: 'disk I/O error' } } });
    expect(await runs()).toEqual({ ok: 1, failed: 1 });
    expect(retention.status().lastRun).toMatchObject({ error: 'disk I/O error' });

    // The next run that goes through is counted as whole again.
    broken = false;
    await retention.runNow();
    expect(await runs()).toEqual({ ok: 2, failed: 1 });
  });

  it('two callers joining one run count it once', async () => {
    const s = storage();
    await s.appendPositions(street(NOW - 20 * DAY, 300));
    const { retention, runs } = service(s);
    const [a, b] = await Promise.all([retention.runNow(), retention.runNow()]);
    expect(a).toBe(b);
    expect(await runs()).toEqual({ ok: 1 });
  });
});

describe('retention service: another instance holding the lock', () => {
  it('skips quietly, and warns once the lock has been held elsewhere for many runs in a row', async () => {
    // A lock another instance holds all along (a hung process with its connection open).
    const { retention, logged } = service(storage(), { lock: async () => null });
    for (let i = 0; i < SKIPS_BEFORE_WARNING - 1; i++) await expect(retention.runNow()).rejects.toThrow();
    expect(logged.filter((l) => l.level === 'warn')).toEqual([]);
    await expect(retention.runNow()).rejects.toThrow();
    expect(logged.filter((l) => l.level === 'warn').map((l) => l.obj)).toEqual([{ skipped: SKIPS_BEFORE_WARNING }]);
  });
});
