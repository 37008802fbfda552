import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
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

const T = 1_760_000_000_000;
const OP = 'op-cov-retry';
const DEQING = 'deqing-yuyue';

const closers: Array<() => Promise<void>> = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const square: Sector['polygon'] = {
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
const search: Search = {
  ...{ id: 'search-1', taskId: 'task-missing', taskStationId: 'command', name: '搜寻', area: square },
  ...{ lastKnown: null, lastSeenAt: null, travelMode: null, status: 'active', found: null },
  ...{ createdBy: 'u-commander', createdAt: T - 600_000, updatedAt: T - 600_000 },
};
const unassigned: Sector = {
  ...{ id: 'A1', name: 'A1', taskId: search.taskId, searchId: search.id, polygon: square, status: 'unassigned' },
  ...{ assignedStationId: null, assignedUnitIds: [], sweepWidthM: 50, updatedAt: T - 600_000 },
};
const toDeqing: Sector = { ...unassigned, status: 'assigned', assignedStationId: DEQING };
const walk = (lat: number, t0: number): CoverageFix[] =>
  Array.from({ length: 6 }, (_, i) => ({
    unitId: 'unit-a',
    stationId: DEQING,
    lngLat: lngLat(120.3002 + i * 0.0003, lat),
    time: t0 + i * 10_000,
  }));
const expected = (fixes: CoverageFix[]) =>
  computeCoverage([{ id: 'A1', polygon: square, sweepWidthM: 50, accepts: () => true }], fixes).get('A1')!;

/**
 * Real storage, rooms, live service and coverage service (retries after 10 ms). `dir`: start on
 * the data of an earlier setup; `beforeStart` may wrap a storage method first.
 */
async function setup(dir?: string, beforeStart: (storage: SqliteStorage) => void = () => {}) {
  const dataDir = dir ?? mkdtempSync(join(tmpdir(), 'jointmap-coverage-retry-'));
  if (!dir) dirs.push(dataDir);
  const storage = new SqliteStorage(dataDir);
  const clock = { now: T };
  if (!dir) {
    const station = { id: DEQING, name: '禹越', shortName: '禹越', adcode: null, color: '#123', jurisdiction: null };
    await storage.upsertStation(station);
    await storage.upsertDevice({ id: 'dev-a', unitId: 'unit-a', stationId: DEQING, label: 'a', createdAt: 0 });
    await storage.createOperation({
      ...{ id: OP, name: 'coverage', kind: 'search', status: 'active', stations: [DEQING] },
      ...{ createdBy: 'u-commander', createdAt: 0 },
    });
  }
  beforeStart(storage);
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
  // No retries of its own: a failed load reaches the coverage service, as once the manager gave up.
  const rooms = new RoomManager(storage, {
    idleMs: 60_000,
    snapshotEvery: 1000,
    loadRetries: 0,
    hooks: { onCommitted: (room) => service?.onCommitted(room) },
  });
  const coverage = new CoverageService({
    ...{ storage, rooms, live, registry, flushMs: 5, retryMs: 10 },
    log: { error: (e: unknown) => void errors.push(e) } as never,
    emit: (_op, msg) => void messages.push(structuredClone(msg)),
    now: () => clock.now,
  });
  service = coverage;
  await coverage.start();
  closers.push(async () => {
    await coverage.close();
    await live.close();
    await rooms.closeAll();
    await storage.close();
  });
  return {
    dir: dataDir,
    storage,
    coverage,
    errors,
    async command(change: Change): Promise<void> {
      const room = await rooms.get(`${OP}/command`);
      await room.serverChange((doc) => applyChange(doc, 'command', change, { source: 'server' }));
      await coverage.whenIdle();
    },
    async fixes(fixes: CoverageFix[]): Promise<void> {
      for (const f of fixes) {
        clock.now = f.time + 1000;
        const [lon, lat] = f.lngLat;
        const query = { id: 'dev-a', lat: String(lat), lon: String(lon), timestamp: String(f.time / 1000) };
        await live.ingest({ query, body: undefined, contentType: undefined, address: '127.0.0.1' });
      }
      await coverage.whenIdle();
    },
    /** A1's coverage as a viewer joining now gets it. */
    fraction: async () => (await coverage.fullMessage(OP)).sectors.find((s) => s.sectorId === 'A1')?.fraction,
  };
}

describe('CoverageService after a storage failure', () => {
  it('rebuilds a reassigned sector whose track read failed once, with no further edit, and keeps counting live', async () => {
    const s = await setup();
    await s.command({
      type: 'batch',
      changes: [
        { type: 'put', map: 'searches', key: search.id, value: search },
        { type: 'put', map: 'sectors', key: 'A1', value: unassigned },
      ],
    });
    const patrol = walk(30.5203, T - 300_000);
    await s.fixes(patrol);
    expect(await s.fraction()).toBe(0);

    // A PostgreSQL hiccup while the sector is given to 德清: the first read of the tracks fails.
    const track = s.storage.track.bind(s.storage);
    let failures = 0;
    s.storage.track = async (...args) => {
      if (failures++ === 0) throw new Error('connection terminated unexpectedly');
      return track(...args);
    };
    await s.command({ type: 'put', map: 'sectors', key: 'A1', value: toDeqing });
    expect(await s.fraction()).toBe(expected(patrol));
    expect(failures).toBeGreaterThan(1);
    expect(s.errors).toHaveLength(1);

    // The rebuilt tracker follows the live fixes again.
    const later = walk(30.5212, T - 200_000);
    await s.fixes(later);
    expect(await s.fraction()).toBe(expected([...patrol, ...later]));
  });

  it('reads the command document again after its first read failed, with no further edit', async () => {
    const first = await setup();
    await first.command({
      type: 'batch',
      changes: [
        { type: 'put', map: 'searches', key: search.id, value: search },
        { type: 'put', map: 'sectors', key: 'A1', value: toDeqing },
      ],
    });
    const patrol = walk(30.5203, T - 300_000);
    await first.fixes(patrol);
    expect(await first.fraction()).toBe(expected(patrol));
    await Promise.all(closers.splice(0).map((close) => close()));

    // A restart while the database is away for a moment: the command document does not load.
    let failures = 0;
    const s = await setup(first.dir, (storage) => {
      const loadDoc = storage.loadDoc.bind(storage);
      storage.loadDoc = async (doc) => {
        if (doc === `${OP}/command` && failures++ === 0) throw new Error('connection refused');
        return loadDoc(doc);
      };
    });
    await s.coverage.whenIdle();
    expect(await s.fraction()).toBe(expected(patrol));
    expect(failures).toBeGreaterThan(1);
    expect(s.errors).toHaveLength(1);
  });
});
