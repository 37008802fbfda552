import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { docName, type Principal } from '@jointmap/shared';
import type { AppContext } from '../services/context.ts';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import { storedFix } from '../storage/stored-fix.test-support.ts';
import type { PositionFix } from '../storage/types.ts';
import { OperationReplays } from './operation-replay.ts';
import { buildReportMap } from './report-map.ts';
import { buildReport } from './report-service.ts';
import { rosterSpans } from './roster-spans.ts';

describe('rosterSpans', () => {
  it('runs from each record to its removal, the last to the end, cut to the window', () => {
    const changes = [
      { time: 10, status: 'available' as const },
      { time: 20, status: 'busy' as const },
      { time: 50, status: null },
      { time: 80, status: 'available' as const },
      { time: 90, status: 'en_route' as const },
    ];
    expect(rosterSpans(changes, 0, 100)).toEqual([
      { from: 10, to: 50 },
      { from: 80, to: 100 },
    ]);
    expect(rosterSpans(changes, 30, 85)).toEqual([
      { from: 30, to: 50 },
      { from: 80, to: 85 },
    ]);
    expect(rosterSpans(changes.slice(0, 3), 60, 100)).toEqual([]);
  });
});

const OP = 'op-roster-spans';
const STATION = 'deqing';
const commander: Principal = { id: 'u-commander', role: 'commander', stationId: null };
const T0 = 1_700_000_000_000;
const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

/** 100 m east per fix, a fix every 10 s (10 m/s), `count` fixes from `from` and `east` m, at `lat`. */
const drive = (from: number, count: number, east: number, lat = 30.5): PositionFix[] =>
  Array.from({ length: count }, (_, i) =>
    storedFix({
      unitId: 'car',
      stationId: STATION,
      deviceId: 'car-tracker',
      time: from + i * 10_000,
      lng: 120.3 + (east + i * 100) / 96_000,
      lat,
    }),
  );

describe('the report counts a unit only while it is on its roster', () => {
  it('distance, fixes and the map’s track leave out the time before it was added and while it was removed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const dir = mkdtempSync(join(tmpdir(), 'jointmap-roster-spans-'));
    const storage = new SqliteStorage(dir);
    closing.push(async () => {
      vi.useRealTimers();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    });
    vi.setSystemTime(T0);
    await storage.createOperation({
      id: OP,
      name: '在册里程',
      kind: 'search',
      status: 'active',
      stations: [STATION],
      createdBy: commander.id,
      createdAt: T0,
      closedAt: null,
    });
    const doc = new Y.Doc();
    const roster = async (time: number, status: string | null) => {
      vi.setSystemTime(time);
      let update: Uint8Array | null = null;
      doc.once('update', (u: Uint8Array) => (update = u));
      const units = doc.getMap('units');
      if (status === null) units.delete('car');
      else units.set('car', { id: 'car', stationId: STATION, callsign: '禹越巡01', status, updatedAt: time });
      await storage.appendUpdate(docName(OP, STATION), update!, { sessionId: null, userId: 'u-deqing' });
    };
    const MIN = 60_000;
    // On the roster from 10 to 20 min and from 40 min on; removed in between.
    await roster(T0 + 10 * MIN, 'available');
    await roster(T0 + 20 * MIN, null);
    await roster(T0 + 40 * MIN, 'available');
    // Driving all along: 5 fixes before it was added, 6 on the roster, 6 while removed (on another
    // road, 1 km north), 6 back on.
    await storage.appendPositions([
      ...drive(T0 + 5 * MIN, 5, 0),
      ...drive(T0 + 12 * MIN, 6, 1_000),
      ...drive(T0 + 25 * MIN, 6, 2_000, 30.509),
      ...drive(T0 + 45 * MIN, 6, 3_000),
    ]);
    vi.setSystemTime(T0 + 60 * MIN);
    const ctx = { storage, replays: new OperationReplays(storage) } as unknown as AppContext;

    const report = await buildReport(ctx, commander, OP);
    const car = report.units.find((u) => u.unitId === 'car')!;
    expect(car.fixes).toBe(12);
    // Two legs of 5 × 100 m; nothing for the drives off the roster, nor between the two spans.
    expect(car.distanceM).toBeGreaterThan(990);
    expect(car.distanceM).toBeLessThan(1_010);
    expect(car.timeByStatus.available).toBe(30 * MIN);

    const map = await buildReportMap(ctx, commander, OP);
    const track = map.tracks.find((t) => t.unitId === 'car')!;
    const east = (lng: number) => Math.round((lng - 120.3) * 96_000);
    // Simplified to its ends per straight stretch: the two spans' first and last points.
    expect([east(track.coordinates[0]![0]), east(track.coordinates.at(-1)![0])]).toEqual([1_000, 3_500]);
    expect(track.coordinates.map(([, lat]) => lat)).toEqual(track.coordinates.map(() => 30.5));
  });
});
