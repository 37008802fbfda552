import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { UnitPosition } from '@jointmap/shared';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import { storedFix } from '../storage/stored-fix.test-support.ts';
import type { PositionFix } from '../storage/types.ts';
import { LiveService } from './live-service.ts';
import { LocalRelay } from './relay.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const fix = (unitId: string, time: number, lat: number): PositionFix =>
  storedFix({ stationId: 'deqing-yuyue', unitId, deviceId: `${unitId}-tracker`, time, lng: 120.3, lat });

/** A relay whose break-and-return the test plays by hand. */
class BreakingRelay extends LocalRelay {
  private readonly resyncs = new Set<() => void>();
  override onResync(handler: () => void): () => void {
    this.resyncs.add(handler);
    return () => this.resyncs.delete(handler);
  }
  back(): void {
    for (const h of this.resyncs) h();
  }
}

describe('LiveService after a relay break', () => {
  it('catches up from storage: listeners get the missed fixes in order, the latest position moves on, older ones never', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jointmap-resync-'));
    dirs.push(dir);
    const storage = new SqliteStorage(dir);
    const relay = new BreakingRelay();
    const live = new LiveService(
      storage,
      {
        limits: { maxFutureMs: 60_000, maxAgeMs: 86_400_000, maxFixes: 100 },
        ratePerSecond: 10,
        rateBurst: 10,
        thresholds: { staleAfterMs: 60_000, lostAfterMs: 300_000 },
      },
      new Registry(),
      relay,
    );
    try {
      await storage.appendPositions([fix('car-1', 1_000, 30.1)]);
      await live.start();
      const heard: UnitPosition[] = [];
      live.onFix((p) => heard.push(p));
      // Stored by another instance while the relay was down: never relayed here.
      await storage.appendPositions([fix('car-1', 2_000, 30.2), fix('car-1', 3_000, 30.3), fix('foot-2', 2_500, 30.9)]);
      expect(live.snapshot(['deqing-yuyue']).map((p) => p.time)).toEqual([1_000]);

      relay.back();
      await live.resync(); // the same catch-up, awaited (the handler's run is not)
      expect(heard.map((p) => [p.unitId, p.time])).toEqual([
        ['car-1', 2_000],
        ['car-1', 3_000],
        ['foot-2', 2_500],
      ]);
      expect(
        live
          .snapshot(['deqing-yuyue'])
          .map((p) => [p.unitId, p.lngLat[1]])
          .sort(),
      ).toEqual([
        ['car-1', 30.3],
        ['foot-2', 30.9],
      ]);
      // Nothing new: a second catch-up gives nothing twice.
      heard.length = 0;
      await live.resync();
      expect(heard).toEqual([]);
    } finally {
      await live.close();
      await storage.close();
    }
  });
});
