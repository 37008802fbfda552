// Test support, not a test (vitest runs `*.test.ts` only) and imported by tests only, so the
// server bundle (built from `server.ts`) never holds it. It stays beside the tests that use it:
// code under `server/src` may not import `test/` (`@jointmap/test`), the layers point one way.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { onTestFinished } from 'vitest';
import {
  applyChange,
  computeCoverage,
  lngLat,
  type Change,
  type CoverageFix,
  type CoverageMessage,
  type Search,
  type Sector,
} from '@jointmap/shared';
import { LiveService } from '../live/live-service.ts';
import { RoomManager } from '../rooms/room-manager.ts';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import { CoverageService } from './coverage-service.ts';

export const DEQING = 'deqing-yuyue';

/** A sector's square by the canal, about 190 × 200 m. */
export const SQUARE: Sector['polygon'] = {
  type: 'Polygon',
  coordinates: [
    [
      [120.3, 30.52],
      [120.302, 30.52],
      [120.302, 30.5218],
      [120.3, 30.5218],
      [120.3, 30.52],
    ],
  ],
};

/** `unit-a` of 德清 walking east across the square at latitude `lat`: six fixes 10 s apart from `t0`. */
export const walk = (lat: number, t0: number): CoverageFix[] =>
  Array.from({ length: 6 }, (_, i) => ({
    unitId: 'unit-a',
    stationId: DEQING,
    lngLat: lngLat(120.3002 + i * 0.0003, lat),
    time: t0 + i * 10_000,
  }));

/** The coverage `fixes` give a sector (A1 on the square, 50 m sweeps, unless said). */
export const expectedCoverage = (
  fixes: CoverageFix[],
  s: Pick<Sector, 'id' | 'polygon' | 'sweepWidthM'> = { id: 'A1', polygon: SQUARE, sweepWidthM: 50 },
): number =>
  computeCoverage([{ id: s.id, polygon: s.polygon, sweepWidthM: s.sweepWidthM, accepts: () => true }], fixes).get(
    s.id,
  )!;

export interface CoverageHarnessOptions {
  /** A data directory that outlives this harness (a restart); a fresh one, seeded, by default. */
  dir?: string;
  /** The server clock to begin with. */
  now: number;
  /** Room manager load retries (default its own). */
  loadRetries?: number;
  retryMs?: number;
  /** Walks of the stored logs at once (default the service's). */
  walksAtOnce?: number;
  /** Called with the storage before anything is started (to make a read fail, say). */
  beforeStart?: (storage: SqliteStorage) => void;
}

/**
 * For the coverage service's tests: one operation `operationId` of 德清禹越 with tracker `dev-a` on
 * `unit-a`, in SQLite, with a real live service, room manager and coverage service on a test
 * clock; closed (and a fresh directory removed) when the test finishes.
 */
export async function coverageHarness(operationId: string, o: CoverageHarnessOptions) {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'jointmap-coverage-'));
  const storage = new SqliteStorage(dir);
  const clock = { now: o.now };
  if (!o.dir) {
    const station = { id: DEQING, name: '禹越', shortName: '禹越', adcode: null, color: '#123', jurisdiction: null };
    await storage.upsertStation(station);
    await storage.upsertDevice({ id: 'dev-a', unitId: 'unit-a', stationId: DEQING, label: 'a', createdAt: 0 });
    await storage.createOperation({
      ...{ id: operationId, name: 'coverage', kind: 'search', status: 'active', stations: [DEQING] },
      ...{ createdBy: 'u-commander', createdAt: 0 },
    });
  }
  o.beforeStart?.(storage);
  const registry = new Registry();
  const limits = { maxFutureMs: 300_000, maxAgeMs: 86_400_000, maxFixes: 100 };
  const thresholds = { staleAfterMs: 60_000, lostAfterMs: 300_000 };
  const live = new LiveService(
    storage,
    { limits, ratePerSecond: 1000, rateBurst: 1000, thresholds },
    registry,
    undefined,
    () => clock.now,
  );
  await live.start();
  const messages: CoverageMessage[] = [];
  const errors: unknown[] = [];
  let service: CoverageService | null = null;
  const rooms = new RoomManager(storage, {
    idleMs: 60_000,
    snapshotEvery: 1000,
    ...(o.loadRetries !== undefined ? { loadRetries: o.loadRetries } : {}),
    // As the app does: the maps a commit changed go with it.
    hooks: { onCommitted: (room, _bytes, _recipients, roots) => service?.onCommitted(room, roots) },
  });
  const coverage = new CoverageService({
    ...{ storage, live, registry, flushMs: 5 },
    rooms,
    ...(o.retryMs !== undefined ? { retryMs: o.retryMs } : {}),
    ...(o.walksAtOnce !== undefined ? { walksAtOnce: o.walksAtOnce } : {}),
    log: { error: (e: unknown) => void errors.push(e) } as never,
    emit: (_op, msg) => void messages.push(structuredClone(msg)),
    now: () => clock.now,
  });
  service = coverage;
  await coverage.start();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await coverage.close();
    await live.close();
    await rooms.closeAll();
    await storage.close();
  };
  onTestFinished(async () => {
    await close();
    if (!o.dir) rmSync(dir, { recursive: true, force: true });
  });
  const write = async (scope: string, kind: 'command' | 'station', change: Change) => {
    const room = await rooms.get(`${operationId}/${scope}`);
    await room.serverChange((doc) => applyChange(doc, kind, change, { source: 'server' }, scope));
    await coverage.whenIdle();
  };
  return {
    dir,
    /** Stop everything (a restart on `dir` may follow); done anyway when the test finishes. */
    close,
    storage,
    clock,
    coverage,
    messages,
    errors,
    write,
    command: (change: Change) => write('command', 'command', change),
    /**
     * The fixes through the live service's ingest, the clock a second after each: each from its
     * `deviceId` (registered first), `dev-a` when it names none.
     */
    async fixes(fixes: readonly CoverageFix[]): Promise<void> {
      for (const f of fixes) {
        clock.now = f.time + 1000;
        const [lon, lat] = f.lngLat;
        const id = f.deviceId ?? 'dev-a';
        const query = { id, lat: String(lat), lon: String(lon), timestamp: String(f.time / 1000) };
        await live.ingest({ query, body: undefined, contentType: undefined, address: '127.0.0.1' });
      }
      await coverage.whenIdle();
    },
    /** A sector's coverage as a viewer joining now gets it. */
    fraction: async (sectorId = 'A1') =>
      (await coverage.fullMessage(operationId)).sectors.find((s) => s.sectorId === sectorId)?.fraction,
  };
}

/** The tests' clock: fixed, in 2025. */
export const T = 1_760_000_000_000;

/** An active search of 临平's missing-person task over the square, created at `T − 10 min`. */
export const squareSearch = (over: Partial<Search> = {}): Search => ({
  ...{ id: 'search-1', taskId: 'task-missing', taskStationId: 'linping-yunhe', name: '搜寻', area: SQUARE },
  ...{ lastKnown: null, lastSeenAt: null, travelMode: null, status: 'active', found: null },
  ...{ createdBy: 'u-commander', createdAt: T - 600_000, updatedAt: T - 600_000, splitId: 'split1' },
  ...over,
});

/** Sector A1 of {@link squareSearch}, given to 德清 as a whole (no unit named) at `T − 500 s`. */
export const deqingSector = (over: Partial<Sector> = {}): Sector => ({
  ...{ id: 'A1', name: 'A1', taskId: 'task-missing', searchId: 'search-1', splitId: 'split1', polygon: SQUARE },
  ...{ status: 'assigned', assignedStationId: DEQING, assignedUnitIds: [], assignedAt: T - 500_000 },
  ...{ sweepWidthM: 50, updatedAt: T - 500_000 },
  ...over,
});

/** A `put` change of `value` in map `map`, keyed by its id. */
export const put = <V extends { id: string }>(map: string, value: V) => ({
  type: 'put' as const,
  map,
  key: value.id,
  value,
});
