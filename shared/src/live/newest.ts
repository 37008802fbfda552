import type { UnitKey } from '../geo/coverage-tracker.ts';

/**
 * Which fix is a unit's newest: the one rule used by every place that keeps a latest position
 * (the server's latest cache and fan-out, the SQLite `positions_latest` upsert, the browser's
 * live store, the test viewers).
 *
 * A unit is identified by its station and its id together: unit ids are chosen per station, so two
 * stations may both have a `car-01`, and a fix of one must never move, shadow or overwrite the other.
 *
 * Order: the later fix time wins; at equal time the greater device id wins (two trackers on one
 * unit that report the same millisecond); equal time and device is the same fix (a tracker app
 * re-sending its buffer), which never replaces the one held. The order depends only on the fixes,
 * never on arrival order or on which instance received them, so every holder agrees.
 * The SQL of both stores' `positions_latest` upserts spells the same rule once, in
 * `server/src/live/newest-sql.ts` (checked against this function in `newest-sql.test.ts`).
 */

/** What the order needs of a fix: its time (epoch ms) and the tracker it came from. */
export interface FixOrder {
  time: number;
  deviceId: string;
}

/** A fix that belongs to a unit of a station. */
export interface KeyedFix extends FixOrder, UnitKey {}

/** Separator of {@link unitKey}: ids (`^[A-Za-z0-9_-]+$`) never contain it. */
const SEP = '/';

/**
 * The map key of a unit: station and unit id together.
 * @example unitKey('deqing-yuyue', 'car-01') // 'deqing-yuyue/car-01'
 */
export function unitKey(stationId: string, unitId: string): string {
  return `${stationId}${SEP}${unitId}`;
}

/** The {@link unitKey} of the unit a fix belongs to. */
export function unitKeyOf(fix: UnitKey): string {
  return unitKey(fix.stationId, fix.unitId);
}

/** Back from {@link unitKey}; null when `key` is not one. */
export function parseUnitKey(key: string): UnitKey | null {
  const i = key.indexOf(SEP);
  if (i <= 0 || i === key.length - 1 || key.indexOf(SEP, i + 1) !== -1) return null;
  return { stationId: key.slice(0, i), unitId: key.slice(i + 1) };
}

/** Negative when `a` is older than `b`, positive when newer, 0 for the same fix. */
export function compareFixes(a: FixOrder, b: FixOrder): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  if (a.deviceId === b.deviceId) return 0;
  // Code-unit order; device ids are ASCII, so this equals SQLite's BINARY collation.
  return a.deviceId < b.deviceId ? -1 : 1;
}

/** True when `candidate` should replace `current` as the unit's newest fix. */
export function isNewerFix(candidate: FixOrder, current: FixOrder | undefined): boolean {
  return current === undefined || compareFixes(candidate, current) > 0;
}

/** The newest of some fixes of one unit (undefined for none). */
export function newestFix<T extends FixOrder>(fixes: Iterable<T>): T | undefined {
  let best: T | undefined;
  for (const f of fixes) if (isNewerFix(f, best)) best = f;
  return best;
}

/**
 * Offer a fix to a map of newest fixes keyed by {@link unitKey}; true when it was taken
 * (a fix never moves a unit backwards in time).
 */
export function offerNewest<T extends KeyedFix>(latest: Map<string, T>, fix: T): boolean {
  const key = unitKeyOf(fix);
  if (!isNewerFix(fix, latest.get(key))) return false;
  latest.set(key, fix);
  return true;
}

/**
 * Merge a batch into a map of newest fixes keyed by {@link unitKey} (e.g. a snapshot arriving
 * after fresher batches never moves a marker back). Returns the keys that changed, each once.
 */
export function mergeNewest<T extends KeyedFix>(latest: Map<string, T>, fixes: readonly T[]): string[] {
  const changed = new Set<string>();
  for (const f of fixes) if (offerNewest(latest, f)) changed.add(unitKeyOf(f));
  return [...changed];
}
