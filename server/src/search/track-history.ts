import { compareFixes, type UnitKey } from '@jointmap/shared';
import type { PositionFix, PositionStore } from '../storage/types.ts';

/** Rows asked of the track store at a time. */
const PAGE = 20_000;

/**
 * Every stored fix of a unit with `from <= time <= to`, oldest first, read in pages so a unit that
 * reported for days is never one huge query. A page that ends inside a run of fixes of one time
 * (several trackers on the unit) is re-read from that time on, so nothing is skipped.
 */
export async function unitTrack(
  store: Pick<PositionStore, 'track'>,
  unit: UnitKey,
  from: number,
  to: number,
): Promise<PositionFix[]> {
  const out: PositionFix[] = [];
  let start = from;
  for (;;) {
    const page = await store.track(unit.stationId, unit.unitId, start, to, PAGE);
    if (page.length < PAGE) {
      out.push(...page);
      return out;
    }
    const lastTime = page[page.length - 1]!.time;
    const whole = page.filter((f) => f.time < lastTime);
    // A page holding one time only cannot advance; accept it whole rather than loop.
    if (whole.length === 0) {
      out.push(...page);
      start = lastTime + 1;
      continue;
    }
    out.push(...whole);
    start = lastTime;
  }
}

/**
 * The tracks of several units (station and unit id) merged in the order of `compareFixes`: time,
 * then device id, so a rebuild replays fixes in the same order whatever order they arrived in.
 */
export async function mergedTracks(
  store: Pick<PositionStore, 'track'>,
  units: Iterable<UnitKey>,
  from: number,
  to: number,
): Promise<PositionFix[]> {
  const tracks = await Promise.all([...units].map((u) => unitTrack(store, u, from, to)));
  return tracks.flat().sort(compareFixes);
}
