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
  type Unit,
} from '@jointmap/shared';
import { LiveService } from '../live/live-service.ts';
import { RoomManager } from '../rooms/room-manager.ts';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import { CoverageService } from './coverage-service.ts';

const T = 1_760_000_000_000;
const OP = 'op-cov-task';
const DEQING = 'deqing-yuyue';
const TASK = 'task-missing';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
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
  ...{ id: 'search-1', taskId: TASK, taskStationId: 'linping-yunhe', name: '搜寻', area: square },
  ...{ lastKnown: null, lastSeenAt: null, travelMode: null, status: 'active', found: null },
  ...{ createdBy: 'u-commander', createdAt: T - 600_000, updatedAt: T - 600_000 },
};
const a1: Sector = {
  ...{ id: 'A1', name: 'A1', taskId: TASK, searchId: search.id, polygon: square, status: 'searching' },
  ...{ assignedStationId: null, assignedUnitIds: ['unit-a'], assignedAt: T - 300_000 },
  ...{ sweepWidthM: 50, updatedAt: T - 300_000 },
};
const unit = (assignedTaskId: string | null, updatedAt: number): Unit => ({
  ...{ id: 'unit-a', callsign: '禹越巡01', kind: 'car', stationId: DEQING, members: [], deviceIds: [] },
  ...{ status: assignedTaskId ? 'en_route' : 'available', assignedTaskId, updatedAt },
});
const walk = (lat: number, t0: number): CoverageFix[] =>
  Array.from({ length: 6 }, (_, i) => ({
    unitId: 'unit-a',
    stationId: DEQING,
    lngLat: lngLat(120.3002 + i * 0.0003, lat),
    time: t0 + i * 10_000,
  }));
const expected = (s: Sector, fixes: CoverageFix[]) =>
  computeCoverage([{ id: s.id, polygon: s.polygon, sweepWidthM: s.sweepWidthM, accepts: () => true }], fixes).get(
    s.id,
  )!;

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-coverage-task-'));
  const storage = new SqliteStorage(dir);
  const clock = { now: T - 400_000 };
  await storage.upsertStation({
    id: DEQING,
    name: '禹越',
    shortName: '禹越',
    adcode: null,
    color: '#123',
    jurisdiction: null,
  });
  await storage.upsertDevice({ id: 'dev-a', unitId: 'unit-a', stationId: DEQING, label: 'a', createdAt: 0 });
  await storage.createOperation({
    ...{ id: OP, name: 'coverage', kind: 'search', status: 'active', stations: [DEQING] },
    ...{ createdBy: 'u-commander', createdAt: 0 },
  });
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
    hooks: { onCommitted: (room) => service?.onCommitted(room) },
  });
  const coverage = new CoverageService({
    ...{ storage, rooms, live, registry, flushMs: 5, log: { error: (e: unknown) => void errors.push(e) } as never },
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
    rmSync(dir, { recursive: true, force: true });
  });
  const write = async (scope: string, kind: 'command' | 'station', change: Change) => {
    const room = await rooms.get(`${OP}/${scope}`);
    await room.serverChange((doc) => applyChange(doc, kind, change, { source: 'server' }, scope));
    await coverage.whenIdle();
  };
  return {
    clock,
    coverage,
    errors,
    command: (change: Change) => write('command', 'command', change),
    roster: (u: Unit) => write(DEQING, 'station', { type: 'put', map: 'units', key: u.id, value: u }),
    async fixes(fixes: CoverageFix[]): Promise<void> {
      for (const f of fixes) {
        clock.now = f.time + 1000;
        const [lon, lat] = f.lngLat;
        const query = { id: 'dev-a', lat: String(lat), lon: String(lon), timestamp: String(f.time / 1000) };
        await live.ingest({ query, body: undefined, contentType: undefined, address: '127.0.0.1' });
      }
      await coverage.whenIdle();
    },
    fraction: async () => (await coverage.fullMessage(OP)).sectors.find((s) => s.sectorId === 'A1')!.fraction,
  };
}

describe('CoverageService and the units of a sector', () => {
  it('counts a sector unit’s fixes only while its roster record has it on the search’s task, live and when rebuilt', async () => {
    const s = await setup();
    // 禹越巡01 is sent to the search's task; the commander gives it A1.
    await s.roster(unit(TASK, T - 400_000));
    await s.command({
      type: 'batch',
      changes: [
        { type: 'put', map: 'searches', key: search.id, value: search },
        { type: 'put', map: 'sectors', key: a1.id, value: a1 },
      ],
    });
    const sweep = walk(30.5203, T - 250_000);
    await s.fixes(sweep);
    const swept = expected(a1, sweep);
    expect(swept).toBeGreaterThan(0);
    expect(await s.fraction()).toBe(swept);

    // Its station sends it to another task: driving there through A1 is not sweep.
    s.clock.now = T - 150_000;
    await s.roster(unit('task-other', T - 150_000));
    const transit = walk(30.5212, T - 100_000);
    await s.fixes(transit);
    expect(expected(a1, [...sweep, ...transit])).toBeGreaterThan(swept);
    expect(await s.fraction()).toBe(swept);

    // Rebuilt from the stored tracks (a wider sweep): still only what it swept while on the task.
    const wider = { ...a1, sweepWidthM: 80 };
    await s.command({ type: 'put', map: 'sectors', key: a1.id, value: wider });
    expect(await s.fraction()).toBe(expected(wider, sweep));

    // Back on the search's task: its fixes count again.
    s.clock.now = T - 40_000;
    await s.roster(unit(TASK, T - 40_000));
    const back = walk(30.5212, T - 30_000);
    await s.fixes(back);
    expect(await s.fraction()).toBeGreaterThan(expected(wider, sweep));
    expect(s.errors).toEqual([]);
  });
});
