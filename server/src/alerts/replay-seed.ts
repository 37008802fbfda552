import { activePeriodStart, ruleActiveAt, unitKey, type Alert, type UnitKind } from '@jointmap/shared';
import type { PositionFix, Storage } from '../storage/types.ts';
import { alertId } from './alert-id.ts';
import { periodAfterHoursChange } from './hours-change.ts';
import { nearDistanceM } from './fence-geometry.ts';
import { ruleKey, type PreparedRule, type RuleIndex } from './rule-index.ts';
import { ruleSince } from './rule-times.ts';
import {
  nextStop,
  observation,
  observe,
  watches,
  type EvaluatorSettings,
  type RuleState,
  type UnitState,
} from './unit-evaluator.ts';

/**
 * How far before a replay window (and before a late alarm fix) the stored track is read to find
 * where a condition still ongoing began: a stop, an overspeed, a stay in a zone, an SOS press.
 */
export const SEED_LOOKBACK_MS = 24 * 3600_000;
/** The track is read backwards in pieces of this length, only as far as needed. */
const CHUNK_MS = 30 * 60_000;
const CHUNK_LIMIT = 20_000;

/** A unit's stored fixes from `from` to `to` (inclusive), oldest first, one per device time (the first stored, as the engine kept it). */
async function chunkOf(
  storage: Pick<Storage, 'track'>,
  stationId: string,
  unitId: string,
  from: number,
  to: number,
): Promise<PositionFix[]> {
  const chunk = await storage.track(stationId, unitId, from, to, CHUNK_LIMIT);
  return chunk.filter((f, i) => i === 0 || f.time > chunk[i - 1]!.time);
}

/** A chunk of a unit's stored track ({@link chunkOf}) and where it begins. */
interface Chunk {
  from: number;
  fixes: PositionFix[];
}

/**
 * A unit's stored fixes before `before`, read backwards a chunk at a time (up to
 * {@link SEED_LOOKBACK_MS}), the newest chunk first. For a reader that goes over each fix once;
 * {@link TrackBack} keeps them all.
 */
export async function* chunksBack(
  storage: Pick<Storage, 'track'>,
  stationId: string,
  unitId: string,
  before: number,
): AsyncGenerator<Chunk> {
  const limit = before - SEED_LOOKBACK_MS;
  for (let to = before; to > limit;) {
    const from = Math.max(limit, to - CHUNK_MS);
    yield { from, fixes: await chunkOf(storage, stationId, unitId, from, to - 1) };
    to = from;
  }
}

/** A unit's stored fixes before `before`, read backwards a chunk at a time ({@link chunksBack}) and kept. */
export class TrackBack {
  /** Fixes read so far, oldest first, one per device time (the first stored, as the engine kept it). */
  fixes: PositionFix[] = [];
  /** Every stored fix from here to `before` has been read (up to `CHUNK_LIMIT` a chunk). */
  private readFrom: number;
  private readonly chunks: AsyncGenerator<Chunk>;

  constructor(storage: Pick<Storage, 'track'>, stationId: string, unitId: string, before: number) {
    this.readFrom = before;
    this.chunks = chunksBack(storage, stationId, unitId, before);
  }

  /**
   * Read one more chunk further back; false when the lookback is used up. A read that throws ends
   * the walk (the generator is finished): the caller drops this `TrackBack` with the error.
   */
  async extend(): Promise<boolean> {
    const next = await this.chunks.next();
    if (next.done) return false;
    this.readFrom = next.value.from;
    this.fixes = [...next.value.fixes, ...this.fixes];
    return true;
  }

  /** Read back until `time` is covered; false when it lies beyond the lookback. */
  async reach(time: number): Promise<boolean> {
    while (this.readFrom > time) if (!(await this.extend())) return false;
    return true;
  }
}

/**
 * The state of a debounced rule (zone, corridor, speed) after the fixes of `back`, exactly as the
 * engine had it, or null when it cannot be known within the lookback. A run of fixes that all say
 * the same (true or false) for at least `minDurationMs` fixes the state whatever came before (the
 * value is then that, nothing pending); from the newest such run the fixes after it are applied.
 * The rule starts afresh at the start of its active period ({@link activePeriodStart}) and when it
 * was last armed or changed ({@link ruleSince}: fixes received before it were judged by no rule or
 * an earlier form of it): read back to either, the state there is known, "outside" or, for the
 * latter, `atSince()` (what the live engine kept across a change); the fixes after it are applied.
 */
export async function debouncedState(
  back: TrackBack,
  p: PreparedRule,
  settings: EvaluatorSettings,
  atSince: () => RuleState | null = () => null,
): Promise<RuleState | null> {
  const minMs = settings.minDurationMs;
  const since = ruleSince(p);
  // The observations of the fixes read so far, newest first, all of one active period; fixes while
  // the rule was not active changed nothing and are left out. Each chunk read back is observed once.
  const seq: { time: number; obs: boolean | null }[] = [];
  let period: number | null = null;
  /** The state where the rule started afresh, once read back to it. */
  let base: RuleState | null = null;
  let observed = 0;
  // Where the scan goes on after a chunk: the newest end of the run that reached the oldest fix read
  // (older fixes may lengthen it). The runs before it are whole and did not fix the state.
  let from = 0;
  for (;;) {
    const fixes = back.fixes;
    for (let k = fixes.length - 1 - observed; k >= 0 && !base; k--) {
      const f = fixes[k]!;
      if (f.receivedAt < since) base = atSince() ?? fresh();
      else if (ruleActiveAt(p.rule, f.time)) {
        const start = activePeriodStart(p.rule, f.time);
        period ??= start;
        if (start !== period) base = fresh();
        else seq.push({ time: f.time, obs: observation(p, settings, { speedMps: f.speed }, [f.lng, f.lat]) });
      }
    }
    observed = fixes.length;
    for (let i = from; i < seq.length;) {
      const o = seq[i]!.obs;
      let j = i;
      if (o !== null) while (j + 1 < seq.length && seq[j + 1]!.obs === o) j++;
      if (o !== null && seq[i]!.time - seq[j]!.time >= minMs) {
        // The newest run that fixes the state: the fixes after it are applied, oldest first.
        return applied({ value: o, pendingSince: null, fired: null }, seq.slice(0, i), minMs, period);
      }
      from = i;
      i = j + 1;
    }
    if (base) return applied(base, seq, minMs, period);
    if (!(await back.extend())) return null;
  }
}

const fresh = (): RuleState => ({ value: false, pendingSince: null, fired: null });

/** `s` after the observations `newestFirst` (of one active period, `period`; null: none). */
function applied(
  s: RuleState,
  newestFirst: readonly { time: number; obs: boolean | null }[],
  minMs: number,
  period: number | null,
): RuleState {
  if (period !== null && s.period !== undefined && s.period !== period) s = fresh();
  for (let k = newestFirst.length - 1; k >= 0; k--) observe(s, newestFirst[k]!.obs, newestFirst[k]!.time, minMs);
  if (period !== null && period !== -Infinity) s.period = period;
  return s;
}

/**
 * Where a unit stood towards a zone as the live engine kept it, from the stored enter/exit alerts
 * of the unit for the zone (`alerts`): inside when the newest of those raised since the rule was
 * last armed, among those `counted`, is an enter; null when there is none.
 */
export function storedStay(
  p: PreparedRule,
  alerts: readonly Alert[] | undefined,
  counted: (a: Alert) => boolean,
): RuleState | null {
  const newest = newestStayAlert(p, alerts, counted);
  return newest && stayOf(p, newest);
}

/** The stay an enter/exit alert of the unit for `p` tells: inside after an enter, in its active period. */
function stayOf(p: PreparedRule, newest: Alert): RuleState {
  const period = activePeriodStart(p.rule, newest.time);
  return { value: newest.kind === 'zone_enter', pendingSince: null, fired: null, period };
}

/** The newest of the unit's enter/exit alerts for `p` raised since it was last armed, among those `counted`. */
function newestStayAlert(
  p: PreparedRule,
  alerts: readonly Alert[] | undefined,
  counted: (a: Alert) => boolean,
): Alert | null {
  let newest: Alert | null = null;
  for (const a of alerts ?? [])
    if (a.raisedAt >= p.armedAt && counted(a) && (!newest || a.time > newest.time)) newest = a;
  return newest;
}

/** Stored long-stop alerts raised since `since`, by unit (`unitKey`). */
export async function storedStops(
  storage: Pick<Storage, 'listAlerts'>,
  operationId: string,
  since: number,
): Promise<Map<string, Alert[]>> {
  const out = new Map<string, Alert[]>();
  for (const a of await storage.listAlerts(operationId, { kind: 'long_stop', limit: 50_000 })) {
    if (a.time < since || a.ruleId === null || a.ruleScope === null) continue;
    const key = unitKey(a.stationId, a.unitId);
    out.set(key, [...(out.get(key) ?? []), a]);
  }
  return out;
}

/**
 * Where the stop of a stored long-stop alert began: the fix (time, position) whose time, as the
 * episode, gives the alert's id. The evidence rounds the stop to 0.1 minute, so it lies within 3 s
 * of `time - stopMinutes`; null when no stored fix there matches (track purged, foreign id).
 */
async function stopStart(storage: Pick<Storage, 'track'>, a: Alert): Promise<PositionFix | null> {
  const approx = a.time - (a.evidence.stopMinutes ?? 0) * 60_000;
  const fixes = await storage.track(a.stationId, a.unitId, approx - 3_100, approx + 3_100, 1_000);
  const key = ruleKey(a.ruleScope!, a.ruleId!);
  return fixes.find((f) => alertId(a.operationId, a.stationId, a.unitId, key, 'long_stop', f.time) === a.id) ?? null;
}

export interface SeedInput {
  storage: Pick<Storage, 'track'>;
  index: RuleIndex;
  settings: EvaluatorSettings;
  state: UnitState;
  kind: UnitKind | null;
  /** Start of the replay window: the state is rebuilt as it was just before it. */
  before: number;
  /** The unit's stored long-stop alerts ({@link storedStops}). */
  stops: readonly Alert[] | undefined;
  /** The unit's stored zone enter/exit alerts by rule key (`zoneAlerts` in alert-history.ts). */
  zones?: ReadonlyMap<string, readonly Alert[]>;
}

/**
 * Where the live engine stood towards zone `p` when the rule became what it is now: "outside"
 * (null) when it was armed then; across a change of its geometry or limits, which the engine's
 * state outlived, the stay its stored alerts of the unit raised before the change tell. Across a
 * change of its active hours, that stay as the engine carried it (`carryAcrossHoursChange`): in
 * the period in progress under the new hours, or dropped.
 */
export function stayAtChange(p: PreparedRule, alerts: readonly Alert[] | undefined): RuleState | null {
  if (p.rule.type !== 'zone' || p.changedAt <= p.armedAt) return null;
  const newest = newestStayAlert(p, alerts, (a) => a.raisedAt < p.changedAt);
  if (!newest) return null;
  const stay = stayOf(p, newest);
  if (!stay.value || p.hoursBefore === undefined) return stay;
  const before = { ...p.rule, activeHours: p.hoursBefore };
  const period = periodAfterHoursChange(p.rule, before, activePeriodStart(before, newest.time), p.changedAt);
  return period === null ? null : { ...stay, period };
}

/**
 * A replay over zones changed (not re-armed) within the window: fixes received before the change
 * are judged by no form of the rule, and at the first fix after it the zone starts as the live
 * engine kept it across the change ({@link stayAtChange}), not from what the replay made of the
 * fixes before. Tell it every replayed fix's `receivedAt` before the fix is evaluated.
 */
export class ChangeCrossing {
  private readonly zones: PreparedRule[];
  private readonly waiting = new Set<string>();

  constructor(
    index: RuleIndex,
    private readonly state: UnitState,
    private readonly alerts: ReadonlyMap<string, readonly Alert[]> | undefined,
  ) {
    this.zones = [...index.values()].filter((p) => p.rule.type === 'zone' && p.changedAt > p.armedAt);
  }

  fix(receivedAt: number): void {
    for (const p of this.zones) {
      if (receivedAt < p.changedAt) this.waiting.add(p.key);
      else if (this.waiting.delete(p.key)) {
        const s = stayAtChange(p, this.alerts?.get(p.key));
        if (s?.value) this.state.rules.set(p.key, s);
        else this.state.rules.delete(p.key);
      }
    }
  }
}

const DEBOUNCED = new Set(['zone', 'corridor', 'speed']);

/**
 * Before a unit's replay window is applied, put into its state what was ongoing when the window
 * opens and began earlier, read from the stored track (and, for stops, the stored alerts), so the
 * replay finds the episode starts the engine found and regenerates the same alert ids:
 * - zones, corridors and speed limits: {@link debouncedState} for every rule near the unit's last
 *   fix before the window, every corridor and area-less speed limit watching it, and every rule it
 *   already has state for;
 * - a stop: the newest stored long-stop alert whose stop began before the window, if every fix
 *   since stayed within the stop radius of its first fix, is the stop still going on (exact);
 *   otherwise, when a stop rule watches the unit, the stop detection run over the track before the
 *   window (no alert was stored for that stop, so it can only be raised once; its start may differ
 *   from the engine's by a fix where the unit crept to a halt).
 * Returns the stop starts of the stored long-stop alerts inside the window (device time → first
 * fix): the replay takes them as stop starts, as the engine did when it raised them. `newest` is
 * the time of the unit's newest fix (nothing is read for a unit silent for longer than the lookback).
 */
export async function seedUnit(i: SeedInput, newest: number): Promise<Map<number, [number, number]>> {
  const { state, settings, before } = i;
  const known = new Map<number, [number, number]>();
  if (newest < before - SEED_LOOKBACK_MS) return known; // silent for longer than the lookback
  const back = new TrackBack(i.storage, state.stationId, state.unitId, before);
  const rules = [...i.index.values()].filter(
    (p) => p.rule.enabled && DEBOUNCED.has(p.rule.type) && watches(p, state, i.kind),
  );
  const atSince = (p: PreparedRule) => stayAtChange(p, i.zones?.get(p.key));
  const put = (p: PreparedRule, s: RuleState | null) => {
    // Re-armed while the track was read (a rule written during the load): it starts afresh.
    if (i.index.get(p.key)?.armedAt !== p.armedAt) return;
    if (!s || (!s.value && s.pendingSince === null)) state.rules.delete(p.key);
    else state.rules.set(p.key, s);
  };
  if (rules.length) {
    while (!back.fixes.length && (await back.extend()));
    const last = back.fixes.at(-1);
    if (last) {
      const near = new Set(i.index.near(last.lng, last.lat).map((p) => p.key));
      for (const p of rules) {
        const wanted =
          near.has(p.key) ||
          state.rules.has(p.key) ||
          p.rule.type === 'corridor' ||
          (p.rule.type === 'speed' && !p.shape);
        if (!wanted) continue;
        const s = await debouncedState(back, p, settings, () => atSince(p));
        if (s) put(p, s);
      }
    }
  }
  let open: PositionFix | null = null;
  for (const a of i.stops ?? []) {
    const start = await stopStart(i.storage, a);
    if (!start) continue;
    if (start.time >= before) known.set(start.time, [start.lng, start.lat]);
    else if (!open || start.time > open.time) open = start;
  }
  if (open && (await back.reach(open.time))) {
    const anchor: [number, number] = [open.lng, open.lat];
    const since = back.fixes.filter((f) => f.time >= open.time);
    if (since.every((f) => nearDistanceM(anchor, [f.lng, f.lat]) <= settings.stopRadiusM)) {
      state.stop = { anchor, since: open.time };
      return known;
    }
  }
  // No stored alert for the stop going on (if any): it began where the stop detection over the track
  // before the window puts it, read back until the stop no longer spans all that was read.
  if (![...i.index.values()].some((p) => p.rule.enabled && p.rule.type === 'stop' && watches(p, state, i.kind)))
    return known;
  while (!back.fixes.length && (await back.extend()));
  // Read back 1, 2, 4… chunks more at each try: a unit parked all day is gone over a few times only.
  for (let n = 1; ; n *= 2) {
    const stop = stopAfter(back.fixes, settings.stopRadiusM);
    let read = 0;
    if (stop && stop.since <= back.fixes[0]!.time) while (read < n && (await back.extend())) read++;
    if (!read) {
      if (stop) state.stop = stop;
      return known;
    }
  }
}

/** The stop (first fix, since when) after `fixes`, by the engine's own rule ({@link nextStop}). */
function stopAfter(fixes: readonly PositionFix[], radiusM: number): UnitState['stop'] {
  let stop: UnitState['stop'] = null;
  for (const f of fixes) stop = nextStop(stop, [f.lng, f.lat], f.time, radiusM);
  return stop;
}
