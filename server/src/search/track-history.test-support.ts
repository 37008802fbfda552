import { compareFixes, type UnitKey } from '@jointmap/shared';
import type { PositionFix } from '../storage/types.ts';
import { unitPages, type TrackStore } from './track-history.ts';

/** A unit's whole stored track with `from <= time <= to`, oldest first (pages of 20,000). */
async function unitTrack(store: TrackStore, unit: UnitKey, from: number, to: number): Promise<PositionFix[]> {
  const out: PositionFix[] = [];
  for await (const page of unitPages(store, unit, from, to, 20_000)) out.push(...page);
  return out;
}

/**
 * The oracle of `mergedFixes`: every unit's whole track read, then merged by one stable sort in the
 * order of `compareFixes`.
 */
export async function mergedTracks(
  store: TrackStore,
  units: Iterable<UnitKey>,
  from: number,
  to: number,
): Promise<PositionFix[]> {
  const tracks = await Promise.all([...units].map((u) => unitTrack(store, u, from, to)));
  return tracks.flat().sort(compareFixes);
}
