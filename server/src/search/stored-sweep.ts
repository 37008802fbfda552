import {
  CoverageTracker,
  lngLat,
  unitKey,
  type CoverageSectorDef,
  type FixOrder,
  type UnitKey,
} from '@jointmap/shared';
import type { LiveService } from '../live/live-service.ts';
import type { Storage } from '../storage/types.ts';
import type { SearchInterest } from './search-sectors.ts';
import { mergedFixes } from './track-history.ts';

/** Where a rebuild finds the tracks: the track store and the units known live. */
export interface SweepSources {
  storage: Pick<Storage, 'track' | 'listDevices'>;
  live: Pick<LiveService, 'snapshot' | 'stationsWithUnit'>;
}

/** A tracker and, per sector, the server time (`receivedAt`) of the fix that last changed it. */
export interface StoredSweep {
  tracker: CoverageTracker;
  updatedAt: Map<string, number>;
  /**
   * Apply one more fix (one that arrived while the stored ones were read) of `unit`, from its
   * tracker `unit.deviceId`.
   */
  add(unit: UnitKey & Pick<FixOrder, 'deviceId'>, lng: number, lat: number, time: number, receivedAt: number): void;
}

/**
 * A tracker over `defs` fed every stored fix, from `from` to `to`, of the units whose tracks can
 * count for `interest`, in the order of `compareFixes` ({@link mergedFixes}). Throws when the store cannot be read (the caller tries again later).
 */
export async function storedSweep(
  sources: SweepSources,
  defs: readonly CoverageSectorDef[],
  interest: SearchInterest,
  from: number,
  to: number,
): Promise<StoredSweep> {
  const tracker = new CoverageTracker(defs);
  const updatedAt = new Map<string, number>();
  const add: StoredSweep['add'] = (unit, lng, lat, time, receivedAt) => {
    for (const id of tracker.addFix(unit, lngLat(lng, lat), time, unit.deviceId)) updatedAt.set(id, receivedAt);
  };
  // Fed as read, a page per unit at a time: days of many units' tracks are never held at once.
  if (defs.length)
    for await (const batch of mergedFixes(sources.storage, await unitsOf(sources, interest), from, to))
      for (const f of batch) add(f, f.lng, f.lat, f.time, f.receivedAt);
  return { tracker, updatedAt, add };
}

/**
 * Units (station and unit id) whose tracks can count: those of the named unit ids that ever
 * reported (sectors name units by id alone), and every known unit of the named stations.
 */
async function unitsOf(sources: SweepSources, interest: SearchInterest): Promise<UnitKey[]> {
  const units = new Map<string, UnitKey>();
  const add = (stationId: string, unitId: string) => units.set(unitKey(stationId, unitId), { stationId, unitId });
  for (const unitId of interest.unitIds) for (const s of sources.live.stationsWithUnit(unitId)) add(s, unitId);
  if (interest.stationIds.size === 0) return [...units.values()];
  for (const p of sources.live.snapshot([...interest.stationIds])) add(p.stationId, p.unitId);
  for (const station of interest.stationIds) {
    for (const d of await sources.storage.listDevices(station)) if (d.unitId) add(station, d.unitId);
  }
  return [...units.values()];
}
