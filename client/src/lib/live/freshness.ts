import { unitKey, type Freshness } from '@jointmap/shared';

/**
 * What a person reads about a unit's position: live / stale / lost once it has sent a fix,
 * `nofix` (无定位) while it never has. A new unit is not "lost": it has not been seen yet.
 */
export type UnitFreshness = Freshness | 'nofix';

/** The part of `LivePositions` the helper reads (a fake in unit tests). */
export interface FreshnessSource {
  readonly freshnessVersion: number;
  positionOf(key: string): unknown;
  freshnessOf(key: string): Freshness;
}

/**
 * Freshness of a roster unit, for lists (roster, unit board, details). Reading `freshnessVersion`
 * re-renders a row when some unit's freshness (or the set of units with a fix) changes, not with
 * every fix.
 */
export function unitFreshnessOf(live: FreshnessSource, unit: { stationId: string; id: string }): UnitFreshness {
  return freshnessByKey(live, unitKey(unit.stationId, unit.id));
}

/** Same as {@link unitFreshnessOf}, by `unitKey(stationId, unitId)`. */
export function freshnessByKey(live: FreshnessSource, key: string): UnitFreshness {
  void live.freshnessVersion;
  return live.positionOf(key) === undefined ? 'nofix' : live.freshnessOf(key);
}

// A type alias (not an interface), so it passes as i18n parameters.
export type FreshnessCounts = {
  live: number;
  stale: number;
  lost: number;
  nofix: number;
};

/** Counts for the header badge: units with no fix yet are counted apart, never as lost. */
export function countFreshness(live: FreshnessSource, keys: Iterable<string>): FreshnessCounts {
  const c: FreshnessCounts = { live: 0, stale: 0, lost: 0, nofix: 0 };
  for (const key of keys) c[freshnessByKey(live, key)]++;
  return c;
}
