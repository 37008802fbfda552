import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  META_OPERATION_KEY,
  applyChange,
  computeCoverage,
  lngLat,
  type Change,
  type CoverageFix,
  type CoverageMessage,
  type Search,
  type Sector,
  type SectorCoverage,
} from '@jointmap/shared';
import { LiveService } from '../live/live-service.ts';
import { RoomManager } from '../rooms/room-manager.ts';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import { CoverageService } from './coverage-service.ts';

/** Server clock of the test (a whole second: trackers send epoch seconds). */
const T = 1_760_000_000_000;
const OP = 'op-cov';
const DEQING = 'deqing-yuyue';
const LINPING = 'linping-yunhe';

const dirs: string[] = [];
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A 0.002° × 0.0018° square (≈ 190 m × 200 m) with its south-west corner at lng, 30.52. */
function square(lng: number): Sector['polygon'] {
  const [x0, x1, y0, y1] = [lng, lng + 0.002, 30.52, 30.5218];
  return {
    type: 'Polygon',
    coordinates: [
      [
        [x0, y0],
        [x1, y0],
        [x1, y1],
        [x0, y1],
        [x0, y0],
      ],
    ],
  };
}

const search = (over: Partial<Search> = {}): Search => ({
  id: 'search-1',
  taskId: 'task-missing',
  taskStationId: LINPING,
  name: '走失老人搜寻',
  area: square(120.3),
  lastKnown: null,
  lastSeenAt: null,
  travelMode: null,
  status: 'active',
  found: null,
  createdBy: 'u-commander',
  createdAt: T - 600_000,
  updatedAt: T - 600_000,
  ...over,
});

const sector = (id: string, lng: number, over: Partial<Sector> = {}): Sector => ({
  id,
  name: id,
  taskId: 'task-missing',
  polygon: square(lng),
  assignedStationId: null,
  assignedUnitIds: [],
  status: 'assigned',
  sweepWidthM: 50,
  searchId: 'search-1',
  updatedAt: T - 600_000,
  ...over,
});

const put = <R extends { id: string }>(map: string, value: R): Change => ({ type: 'put', map, key: value.id, value });

/** Real storage, rooms, live service and coverage service over one temp directory. */
async function setup(dataDir?: string) {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'jointmap-coverage-'));
  if (!dataDir) dirs.push(dir);
  const storage = new SqliteStorage(dir);
  const clock = { now: T };
  if (!dataDir) {
    for (const id of [DEQING, LINPING]) {
      await storage.upsertStation({ id, name: id, shortName: id, adcode: null, color: '#123456', jurisdiction: null });
    }
    const devices: Array<[string, string, string]> = [
      ['dev-a', 'unit-a', DEQING],
      ['dev-b', 'unit-b', DEQING],
      ['dev-c', 'unit-c', LINPING],
    ];
    for (const [id, unitId, stationId] of devices) {
      await storage.upsertDevice({ id, unitId, stationId, label: id, createdAt: 0 });
    }
    await storage.createOperation({
      id: OP,
      name: 'coverage',
      kind: 'search',
      status: 'active',
      stations: [DEQING, LINPING],
      createdBy: 'u-commander',
      createdAt: 0,
    });
  }
  const registry = new Registry();
  const live = new LiveService(
    storage,
    {
      limits: { maxFutureMs: 300_000, maxAgeMs: 86_400_000, maxFixes: 100 },
      ratePerSecond: 1000,
      rateBurst: 1000,
      thresholds: { staleAfterMs: 60_000, lostAfterMs: 300_000 },
    },
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
    hooks: { onCommitted: (room) => service?.onCommitted(room) },
  });
  const coverage = new CoverageService({
    storage,
    rooms,
    live,
    registry,
    flushMs: 5,
    emit: (operationId, msg) => {
      // Each message goes to the viewers of the operation it describes.
      if (operationId !== msg.operationId) errors.push(`sent to ${operationId}: ${msg.operationId}`);
      messages.push(structuredClone(msg));
    },
    log: { error: (obj: unknown) => void errors.push(obj) } as never,
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
    dir,
    storage,
    clock,
    coverage,
    messages,
    errors,
    registry,
    /** Write to the command document as a commander would (through the room, as sync does). */
    async command(change: Change): Promise<void> {
      const room = await rooms.get(`${OP}/command`);
      await room.serverChange((doc) => applyChange(doc, 'command', change, { source: 'server' }), {
        sessionId: 's-cmd',
        userId: 'u-commander',
      });
      await coverage.whenIdle();
    },
    /** One tracker request through the real ingest (durable, then relayed to the service). */
    async fix(device: string, lng: number, lat: number, time: number): Promise<void> {
      await live.ingest({
        query: { id: device, lat: String(lat), lon: String(lng), timestamp: String(time / 1000) },
        body: undefined,
        contentType: undefined,
        address: '127.0.0.1',
      });
    },
    /** The last value of each sector over every partial message sent so far. */
    merged(): Record<string, SectorCoverage> {
      const out: Record<string, SectorCoverage> = {};
      for (const m of messages) if (!m.full) for (const s of m.sectors) out[s.sectorId] = s;
      return out;
    },
  };
}

/** What a sector's coverage must be from exactly these fixes (the reference recomputation). */
function expected(s: Sector, fixes: CoverageFix[]): number {
  const def = { id: s.id, polygon: s.polygon, sweepWidthM: s.sweepWidthM, accepts: () => true };
  return computeCoverage([def], fixes).get(s.id)!;
}

const walk = (unitId: string, stationId: string, lng0: number, lat: number, t0: number, n = 6): CoverageFix[] =>
  Array.from({ length: n }, (_, i) => ({
    unitId,
    stationId,
    lngLat: lngLat(lng0 + i * 0.0003, lat),
    time: t0 + i * 10_000,
  }));

const device: Record<string, string> = { 'unit-a': 'dev-a', 'unit-b': 'dev-b', 'unit-c': 'dev-c' };

describe('CoverageService', () => {
  it('counts fixes of a station-assigned sector’s station and a unit-assigned sector’s units, from their assignment on', async () => {
    const s = await setup();
    const a1 = sector('A1', 120.3, { assignedStationId: DEQING });
    const a2 = sector('A2', 120.303, { assignedUnitIds: ['unit-c'], assignedAt: T - 100_000 });
    const a3 = sector('A3', 120.306, { status: 'unassigned' });
    await s.command({
      type: 'batch',
      changes: [put('searches', search()), put('sectors', a1), put('sectors', a2), put('sectors', a3)],
    });
    expect(s.merged()).toEqual({
      A1: { sectorId: 'A1', fraction: 0, updatedAt: null },
      A2: { sectorId: 'A2', fraction: 0, updatedAt: null },
      A3: { sectorId: 'A3', fraction: 0, updatedAt: null },
    });
    const sent = s.messages.length;

    const unitA = walk('unit-a', DEQING, 120.3002, 30.5209, T - 300_000); // in A1: counts
    const unitCInA1 = walk('unit-c', LINPING, 120.3002, 30.5205, T - 300_000); // A1 is Deqing's
    const unitCEarly = walk('unit-c', LINPING, 120.3032, 30.5205, T - 200_000, 3); // A2 before its assignment
    const unitCInA2 = walk('unit-c', LINPING, 120.3032, 30.5212, T - 90_000); // counts
    const unitBInA3 = walk('unit-b', DEQING, 120.3062, 30.5209, T - 300_000); // A3 is unassigned
    for (const f of [...unitA, ...unitCInA1, ...unitBInA3, ...unitCEarly, ...unitCInA2]) {
      s.clock.now = f.time + 1000; // received a second after the fix was taken
      await s.fix(device[f.unitId]!, f.lngLat[0], f.lngLat[1], f.time);
    }
    await s.coverage.whenIdle();
    s.clock.now = T;

    const later = s.messages.slice(sent);
    expect(later.every((m) => !m.full)).toBe(true);
    const a1Fraction = expected(a1, unitA);
    const a2Fraction = expected(a2, unitCInA2);
    expect(a1Fraction).toBeGreaterThan(0);
    expect(a2Fraction).toBeGreaterThan(0);
    // Only changed sectors are sent; each at the server time of the fix that last changed it.
    expect(Object.fromEntries(later.flatMap((m) => m.sectors).map((c) => [c.sectorId, true]))).toEqual({
      A1: true,
      A2: true,
    });
    expect(s.merged()).toEqual({
      A1: { sectorId: 'A1', fraction: a1Fraction, updatedAt: unitA.at(-1)!.time + 1000 },
      A2: { sectorId: 'A2', fraction: a2Fraction, updatedAt: unitCInA2.at(-1)!.time + 1000 },
      A3: { sectorId: 'A3', fraction: 0, updatedAt: null },
    });
    expect(await s.coverage.fullMessage(OP)).toEqual({
      operationId: OP,
      serverTime: s.clock.now,
      full: true,
      sectors: [
        { sectorId: 'A1', fraction: a1Fraction, updatedAt: unitA.at(-1)!.time + 1000 },
        { sectorId: 'A2', fraction: a2Fraction, updatedAt: unitCInA2.at(-1)!.time + 1000 },
        { sectorId: 'A3', fraction: 0, updatedAt: null },
      ],
    });
    const metrics = await s.registry.metrics();
    const count = Number(/^jointmap_coverage_fix_seconds_count (\d+)$/m.exec(metrics)?.[1]);
    expect(count).toBe(unitA.length + unitCInA1.length + unitBInA3.length + unitCEarly.length + unitCInA2.length);
    expect(s.errors).toEqual([]);
  });

  it('rebuilds a search from the stored tracks when a sector is reassigned or redrawn', async () => {
    const s = await setup();
    const a3 = sector('A3', 120.306, { status: 'unassigned' });
    await s.command({ type: 'batch', changes: [put('searches', search()), put('sectors', a3)] });
    const before = walk('unit-b', DEQING, 120.3062, 30.5203, T - 200_000); // before the assignment
    const after = walk('unit-b', DEQING, 120.3062, 30.5212, T - 100_000);
    for (const f of [...before, ...after]) await s.fix('dev-b', f.lngLat[0], f.lngLat[1], f.time);
    await s.coverage.whenIdle();
    expect(s.merged().A3).toEqual({ sectorId: 'A3', fraction: 0, updatedAt: null });

    const assigned = { ...a3, assignedUnitIds: ['unit-b'], assignedAt: T - 110_000, status: 'assigned' as const };
    await s.command(put('sectors', assigned));
    const fraction = expected(assigned, after);
    expect(fraction).toBeGreaterThan(0);
    expect(s.merged().A3).toEqual({ sectorId: 'A3', fraction, updatedAt: T });

    // Assigned to its station since the search began: every fix of the unit counts.
    const station = { ...a3, assignedStationId: DEQING, assignedUnitIds: [], assignedAt: null };
    await s.command(put('sectors', station));
    expect(s.merged().A3).toEqual({ sectorId: 'A3', fraction: expected(station, [...before, ...after]), updatedAt: T });

    // A wider sweep over the same tracks.
    const wider = { ...station, sweepWidthM: 120 };
    await s.command(put('sectors', wider));
    expect(s.merged().A3!.fraction).toBe(expected(wider, [...before, ...after]));
    expect(s.merged().A3!.fraction).toBeGreaterThan(expected(station, [...before, ...after]));
    expect(s.errors).toEqual([]);
  });

  it('keeps a closed search’s fractions, stops updating it, and has them again after a restart', async () => {
    const s = await setup();
    const a1 = sector('A1', 120.3, { assignedStationId: DEQING });
    const loose = sector('L1', 120.31, { searchId: null, taskId: 'task-other', assignedStationId: DEQING });
    await s.command({ type: 'batch', changes: [put('searches', search()), put('sectors', a1), put('sectors', loose)] });
    const first = walk('unit-a', DEQING, 120.3002, 30.5209, T - 300_000);
    for (const f of first) await s.fix('dev-a', f.lngLat[0], f.lngLat[1], f.time);
    await s.coverage.whenIdle();
    const closedAt = T - 200_000;
    await s.command(put('searches', search({ status: 'closed', updatedAt: closedAt })));

    const full = (): Promise<CoverageMessage> => s.coverage.fullMessage(OP);
    const frozen: CoverageMessage = {
      operationId: OP,
      serverTime: T,
      full: true,
      sectors: [
        { sectorId: 'A1', fraction: expected(a1, first), updatedAt: T },
        { sectorId: 'L1', fraction: 0, updatedAt: null },
      ],
    };
    expect(await full()).toEqual(frozen);
    const sent = s.messages.length;
    for (const f of walk('unit-a', DEQING, 120.3002, 30.5203, T - 100_000)) {
      await s.fix('dev-a', f.lngLat[0], f.lngLat[1], f.time);
    }
    await s.coverage.whenIdle();
    expect(s.messages.length).toBe(sent);
    expect(await full()).toEqual(frozen);

    // A restart on the same data: the closed search's fractions are recomputed up to its end.
    await Promise.all(closers.splice(0).map((close) => close()));
    const again = await setup(s.dir);
    expect(await again.coverage.fullMessage(OP)).toEqual(frozen);
  });

  it('stops a closed operation’s active search at the close: later fixes do not sweep it, before or after a restart', async () => {
    const s = await setup();
    const a1 = sector('A1', 120.3, { assignedStationId: DEQING });
    await s.command({ type: 'batch', changes: [put('searches', search()), put('sectors', a1)] });
    const first = walk('unit-a', DEQING, 120.3002, 30.5209, T - 300_000);
    for (const f of first) await s.fix('dev-a', f.lngLat[0], f.lngLat[1], f.time);
    await s.coverage.whenIdle();
    // The commander closes the operation without ending the search.
    const closedAt = T - 200_000;
    const meta = {
      id: OP,
      name: 'coverage',
      kind: 'search',
      status: 'closed',
      stations: [DEQING, LINPING],
      area: null,
      createdAt: 0,
      updatedAt: closedAt,
    };
    await s.command({ type: 'put', map: 'meta', key: META_OPERATION_KEY, value: meta });
    const atClose = expected(a1, first);
    expect((await s.coverage.fullMessage(OP)).sectors[0]!.fraction).toBe(atClose);
    // The station's patrol goes on for another operation through the same cells.
    for (const f of walk('unit-a', DEQING, 120.3002, 30.5203, T - 100_000)) {
      await s.fix('dev-a', f.lngLat[0], f.lngLat[1], f.time);
    }
    await s.coverage.whenIdle();
    expect((await s.coverage.fullMessage(OP)).sectors[0]!.fraction).toBe(atClose);
    await Promise.all(closers.splice(0).map((close) => close()));
    const again = await setup(s.dir);
    expect((await again.coverage.fullMessage(OP)).sectors[0]!.fraction).toBe(atClose);
  });
});
