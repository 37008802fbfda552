import type { PositionFix, PositionStore } from '../storage/types.ts';

/** Rows asked of the track store at a time. */
const PAGE = 20_000;

/**
 * Every stored fix of a unit with `from <= time <= to`, oldest first, read in pages so a unit that
 * reported for days is never one huge query. A page that ends inside a run of fixes of one time
 * (several trackers on the unit) is re-read from that time on, so nothing is skipped.
 */
export async function unitTrack(
  store: PositionStore,
  unitId: string,
  from: number,
  to: number,
): Promise<PositionFix[]> {
  const out: PositionFix[] = [];
  let start = from;
  for (;;) {
    const page = await store.track(unitId, start, to, PAGE);
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

/** The tracks of several units merged in time order (ties: server receipt order). */
export async function mergedTracks(
  store: PositionStore,
  unitIds: Iterable<string>,
  from: number,
  to: number,
): Promise<PositionFix[]> {
  const tracks = await Promise.all([...unitIds].map((u) => unitTrack(store, u, from, to)));
  return tracks.flat().sort((a, b) => a.time - b.time || a.receivedAt - b.receivedAt);
}
