import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import * as Y from 'yjs';
import { COMMAND_SCOPE, docName, type Principal, type Search, type Sector, type Unit } from '@jointmap/shared';
import type { AppContext } from '../services/context.ts';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import { storedFix } from '../storage/stored-fix.test-support.ts';
import type { Operation, PositionFix } from '../storage/types.ts';
import { ReplayService } from './replay-service.ts';

export const OP = 'op-replay-coverage';
export const STATION = 'deqing';
export const TASK = 't-sweep';
export const commander: Principal = { id: 'u-commander', role: 'commander', stationId: null };
/** The operation's start; the replay's clock is set from it (only `Date` is faked). */
export const T0 = 1_700_000_000_000;
/** The sector: a square of about 1 km from (120.3, 30.5). */
const SW = [120.3, 30.5] as const;
const SIDE = 0.01;
/** The search's area and its one sector (40 m sweeps). */
export const SQUARE: Sector['polygon'] = {
  type: 'Polygon',
  coordinates: [
    [
      [SW[0], SW[1]],
      [SW[0] + SIDE, SW[1]],
      [SW[0] + SIDE, SW[1] + SIDE],
      [SW[0], SW[1] + SIDE],
      [SW[0], SW[1]],
    ],
  ],
};

/** A fix of `unitId` at `time`, `x` and `y` of the way across the sector. */
export function fixAt(unitId: string, time: number, x: number, y: number): PositionFix {
  return storedFix({
    unitId,
    stationId: STATION,
    deviceId: `${unitId}-tracker`,
    time,
    lng: SW[0] + x * SIDE,
    lat: SW[1] + y * SIDE,
    receivedAt: time + 500,
  });
}

/** Fixes of `unitId` every 5 s from `from`, sweeping the sector in rows `rowM` apart. */
export function patrol(unitId: string, from: number, count: number, rowM = 40): PositionFix[] {
  const rows = Math.max(1, Math.round(1000 / rowM));
  return Array.from({ length: count }, (_, i) => {
    const row = Math.floor(i / 20) % rows;
    const step = i % 20;
    return fixAt(unitId, from + i * 5_000, row % 2 ? 1 - step / 19 : step / 19, (row + 0.5) / rows);
  });
}

/**
 * Real SQLite storage with an operation of one station, a search of task {@link TASK} with one
 * sector (station-wide, or naming `units`), and a `ReplayService` over it. Updates are stored at
 * the faked clock: `at(time)` sets it.
 */
export async function sweptOperation(closing: Array<() => Promise<void>>, units: readonly string[] = []) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-replay-coverage-'));
  const storage = new SqliteStorage(dir);
  closing.push(async () => {
    vi.useRealTimers();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const op: Operation = {
    id: OP,
    name: '回放覆盖',
    kind: 'search',
    status: 'active',
    stations: [STATION],
    createdBy: commander.id,
    createdAt: T0,
    closedAt: null,
  };
  await storage.createOperation(op);
  const docs = new Map<string, Y.Doc>();
  const write = async (scope: string, f: (d: Y.Doc) => void) => {
    const doc = docs.get(scope) ?? docs.set(scope, new Y.Doc()).get(scope)!;
    let update: Uint8Array | null = null;
    doc.once('update', (u: Uint8Array) => (update = u));
    doc.transact(() => f(doc));
    await storage.appendUpdate(docName(OP, scope), update!, { sessionId: null, userId: commander.id });
  };
  const search = {
    id: 's-sweep',
    taskId: TASK,
    taskStationId: STATION,
    name: '搜索',
    area: SQUARE,
    lastKnown: null,
    lastSeenAt: null,
    travelMode: null,
    status: 'active',
    found: null,
    createdBy: commander.id,
    createdAt: T0,
    updatedAt: T0,
  } as Search;
  const sector = {
    id: 's-sweep-A1',
    name: 'A1',
    taskId: TASK,
    searchId: search.id,
    polygon: SQUARE,
    assignedStationId: STATION,
    assignedUnitIds: [...units],
    status: 'assigned',
    sweepWidthM: 40,
    assignedAt: T0,
    updatedAt: T0,
  } as Sector;
  await write(COMMAND_SCOPE, (d) => {
    d.getMap('searches').set(search.id, search);
    d.getMap('sectors').set(sector.id, sector);
  });
  const roster = (unitId: string, assignedTaskId: string | null, updatedAt: number) =>
    write(STATION, (d) =>
      d
        .getMap('units')
        .set(unitId, { id: unitId, stationId: STATION, callsign: unitId, assignedTaskId, updatedAt } as Unit),
    );
  const ctx = { storage, config: { staleAfterMs: 60_000, lostAfterMs: 300_000 } } as unknown as AppContext;
  const replay = new ReplayService(ctx);
  /** The coverage of the sector at `moment`, by `service` (the one kept across requests by default). */
  const fraction = async (moment: number, service = replay) => {
    const msg = await service.coverage(commander, OP, moment);
    return msg.sectors.find((s) => s.sectorId === sector.id)!;
  };
  /** The same from a service that has replayed nothing: built from the sector's start. */
  const fresh = (moment: number) => fraction(moment, new ReplayService(ctx));
  return { storage, replay, write, roster, fraction, fresh, at: (time: number) => vi.setSystemTime(time) };
}
