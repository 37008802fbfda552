import {
  activePeriodStart,
  isNewerFix,
  ruleActiveAt,
  ruleWatchesUnit,
  type Alert,
  type AlertKind,
  type UnitKind,
  type UnitPosition,
} from '@jointmap/shared';
import { nearDistanceM } from './fence-geometry.ts';
import type { PreparedRule, RuleIndex } from './rule-index.ts';
import { ruleSince } from './rule-times.ts';
import { judgePress, sosDraft } from './sos-press.ts';

/** Hysteresis and stop detection (config `ALERT_*`). */
export interface EvaluatorSettings {
  marginM: number;
  minDurationMs: number;
  stopRadiusM: number;
}

/**
 * One rule's state for one unit: a debounced yes/no (inside the zone, on the corridor, over the
 * limit) that flips only after `minDurationMs` of fixes clearly on the other side, and the
 * episode an alert was last raised for (stops, signal loss).
 */
export interface RuleState {
  value: boolean;
  pendingSince: number | null;
  fired: number | null;
  /**
   * Debounced rules: the active period the value belongs to ({@link activePeriodStart}); a fix of
   * a later period starts the rule afresh. An edit of the rule's hours moves the period in progress
   * with it (`carryAcrossHoursChange`): an edit is not a new period. Absent: taken as the current one.
   */
  period?: number;
}

/** The engine's memory of one unit in one operation. */
export interface UnitState {
  stationId: string;
  unitId: string;
  /** Device time of `last`. */
  newest: number;
  /**
   * The unit's newest fix applied, by the order every holder of a latest position uses
   * (`isNewerFix`: the later time, then the greater device id), so it is the marker's fix whatever
   * the order the fixes came in; an older or the same fix changes nothing (but its SOS).
   */
  last: UnitPosition | null;
  /** Where the unit has stayed (within the stop radius) since when. */
  stop: { anchor: [number, number]; since: number } | null;
  /**
   * The SOS presses held (consecutive reports of one device with an alarm, see sos-press.ts):
   * device → start; `ANY_DEVICE` when not known (read back after a restart from an alert that names
   * none). One begun by an alarm without a position may be newer than `newest`.
   */
  presses: Map<string, number>;
  /**
   * Device time of the newest report of each device of the unit: a fix, or one without a position
   * (which moves no `newest`); under `ANY_DEVICE`, what the alerts held after a restart (a press's
   * end, an alarm sent without a position). A device's alarm older than it is a late one (its press
   * read from the stored track and alerts), and so is an alarm fix of a device with no entry that
   * is older than `newest`; an older report without the alarm ends no press. Rebuilt after a
   * restart from the replay window only (`judgePress`).
   */
  heard: Map<string, number>;
  rules: Map<string, RuleState>;
  /**
   * The engine's reads of whether commanders resolved a held press's SOS elsewhere
   * (`AlertService.resumeResolved`), by device: the press (its start) last read and when (server
   * clock), and the devices whose read is under way. Gone with the unit's state; made on the first
   * read (most units never hold a press).
   */
  resolveReads?: { last: Map<string, { since: number; at: number }>; running: Set<string> };
}

/** An alert to raise; the service turns it into an {@link Alert} with its deterministic id. */
export interface AlertDraft {
  kind: AlertKind;
  rule: PreparedRule | null;
  /** When the violation started (device time): with unit, rule and kind it identifies the alert. */
  episode: number;
  time: number;
  lngLat: [number, number];
  evidence: Alert['evidence'];
  /** SOS: the device whose alarm it is (its press is that device's run of alarm fixes). */
  deviceId?: string;
  /**
   * An alarm from a late fix: which press it belongs to is not known from the state, so the service
   * reads the stored track back to the first alarm fix of its run and takes that as the episode.
   */
  late?: boolean;
}

export function newUnitState(stationId: string, unitId: string): UnitState {
  return {
    stationId,
    unitId,
    newest: -Infinity,
    last: null,
    stop: null,
    presses: new Map(),
    heard: new Map(),
    rules: new Map(),
  };
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Whether `p` judges the fix: active at its device time and, when `replay`ing stored fixes after a
 * restart, received once the rule stood as it stands ({@link ruleSince}): a fix the live engine
 * judged against no rule, a switched-off one or an earlier form of it is not judged again.
 */
function judges(p: PreparedRule, pos: UnitPosition, replay: boolean): boolean {
  return ruleActiveAt(p.rule, pos.time) && !(replay && pos.receivedAt < ruleSince(p));
}

/**
 * Apply one fix of a unit (of kind `kind`, null when not in any roster) to its state and return
 * the alerts it raises. Its alarm goes the way of any report's (`judgePress`: its SOS raised, from
 * a late fix too). Only a fix newer than every fix applied ({@link UnitState.last}) moves the rest
 * of the state, so a duplicate or a late fix never raises anything twice. `replay`: the fix is a
 * stored one replayed after a restart (see {@link judges}).
 */
export function evaluateFix(
  index: RuleIndex,
  settings: EvaluatorSettings,
  state: UnitState,
  pos: UnitPosition,
  kind: UnitKind | null,
  replay = false,
): AlertDraft[] {
  const press = judgePress(state, pos);
  const out: AlertDraft[] = press ? [sosDraft(state, pos, press === 'late')] : [];
  if (!isNewerFix(pos, state.last ?? undefined)) return out;
  const lngLat: [number, number] = [pos.lngLat[0], pos.lngLat[1]];
  const previous = state.last;
  state.newest = pos.time;
  state.last = pos;

  // A gap in the fixes longer than a signal rule allows is a signal loss even if no timer saw it.
  if (previous && kind) {
    for (const p of index.everywhere.values()) {
      if (p.rule.type !== 'signal' || !watches(p, state, kind) || !judges(p, pos, replay)) continue;
      const limitMs = p.rule.noFixMinutes * 60_000;
      const from = silenceStart(index, p, previous);
      if (pos.time - from >= limitMs) out.push(...silence(state, p, previous, from, limitMs));
    }
  }

  state.stop = nextStop(state.stop, lngLat, pos.time, settings.stopRadiusM);

  const candidates = new Map<string, PreparedRule>();
  for (const p of index.near(lngLat[0], lngLat[1])) candidates.set(p.key, p);
  for (const p of index.everywhere.values()) if (p.rule.type !== 'signal') candidates.set(p.key, p);
  for (const key of state.rules.keys()) {
    const p = index.get(key);
    if (p) candidates.set(key, p);
    else state.rules.delete(key);
  }
  for (const p of candidates.values()) {
    if (!watches(p, state, kind)) {
      state.rules.delete(p.key);
      continue;
    }
    if (!judges(p, pos, replay)) continue;
    const raised = evaluateRule(p, settings, state, pos, lngLat);
    if (raised) out.push(raised);
  }
  return out;
}

/**
 * Signal loss by the clock: units silent for longer than a signal rule allows at `now`. Only units
 * on the operation's roster (`kind` known) can be missing from it: the latest positions hold every
 * unit that ever reported for the operation's stations (retired trackers, units of earlier
 * operations), and a fix-less unit outside the roster is nobody's concern here.
 */
export function checkSilence(index: RuleIndex, state: UnitState, kind: UnitKind | null, now: number): AlertDraft[] {
  const last = state.last;
  if (!last || !kind) return [];
  const out: AlertDraft[] = [];
  for (const p of index.everywhere.values()) {
    if (p.rule.type !== 'signal' || !ruleActiveAt(p.rule, now)) continue;
    if (!watches(p, state, kind)) continue;
    const limitMs = p.rule.noFixMinutes * 60_000;
    const from = silenceStart(index, p, last);
    if (now - from >= limitMs) out.push(...silence(state, p, last, from, limitMs));
  }
  return out;
}

/**
 * From when signal rule `p` counts the silence after `last`, the unit's newest fix. A rule watches a
 * unit from when it was last armed (created, switched on, or set to watch it) and no earlier than
 * the operation's start. A fix received since then began a silence the rule saw begin: it counts
 * from the fix's device time. A silence already running then (its last fix came in before) counts
 * from that moment: a unit silent for weeks when a commander adds "10 minutes without a fix" raises
 * one alert, dated ten minutes after the rule was added (the unit is missing now, which the
 * commander wants to know), not one dated weeks back at once. The alert's episode (its identity)
 * stays the last fix: one alert per silence, also across a restart or the rule switched off and on.
 */
export function silenceStart(index: RuleIndex, p: PreparedRule, last: UnitPosition): number {
  const watching = Math.max(p.armedAt, index.operationStart);
  return last.receivedAt >= watching ? last.time : Math.max(last.time, watching);
}

function silence(state: UnitState, p: PreparedRule, last: UnitPosition, from: number, limitMs: number): AlertDraft[] {
  const s = ruleState(state, p.key);
  if (s.fired === last.time) return [];
  s.fired = last.time;
  return [
    {
      kind: 'signal_loss',
      rule: p,
      episode: last.time,
      time: from + limitMs,
      lngLat: [last.lngLat[0], last.lngLat[1]],
      evidence: { silentMinutes: round(limitMs / 60_000) },
    },
  ];
}

/** The stop after a fix at `lngLat`: the same stop while within `radiusM` of its first fix, else a new one from here. */
export function nextStop(
  stop: UnitState['stop'],
  lngLat: [number, number],
  time: number,
  radiusM: number,
): NonNullable<UnitState['stop']> {
  return stop && nearDistanceM(stop.anchor, lngLat) <= radiusM ? stop : { anchor: lngLat, since: time };
}

/** Whether the rule watches the unit; a unit in no roster (kind null) only by rules for every unit or naming it. */
export function watches(p: PreparedRule, state: UnitState, kind: UnitKind | null): boolean {
  if (kind) return ruleWatchesUnit(p.rule, state.stationId, state.unitId, kind);
  const r = p.rule;
  if (r.stationId !== 'command' && r.stationId !== state.stationId) return false;
  if (r.units.length === 0 && r.unitKinds.length === 0) return true;
  return r.units.some((u) => u.stationId === state.stationId && u.unitId === state.unitId);
}

function ruleState(state: UnitState, key: string): RuleState {
  let s = state.rules.get(key);
  if (!s) {
    s = { value: false, pendingSince: null, fired: null };
    state.rules.set(key, s);
  }
  return s;
}

/**
 * A debounced rule's state for a fix at `time`: afresh ("outside", nothing pending) when the state
 * belongs to an earlier active period of the rule, so nothing done off duty raises an alert.
 */
function periodState(state: UnitState, p: PreparedRule, time: number): RuleState {
  const period = activePeriodStart(p.rule, time);
  const held = state.rules.get(p.key);
  if (held && held.period !== undefined && held.period !== period) state.rules.delete(p.key);
  const s = ruleState(state, p.key);
  s.period = period;
  return s;
}

/**
 * Debounce: the episode start when `obs` flips the value, i.e. every fix for `minMs` was clearly on
 * the other side. null (inside the margin band, no speed) is no evidence either way: it keeps the
 * value and restarts the wait, so a unit riding an edge never builds up a crossing.
 */
export function observe(s: RuleState, obs: boolean | null, time: number, minMs: number): number | null {
  if (obs === null || obs === s.value) {
    s.pendingSince = null;
    return null;
  }
  s.pendingSince ??= time;
  if (time - s.pendingSince < minMs) return null;
  const start = s.pendingSince;
  s.value = obs;
  s.pendingSince = null;
  return start;
}

/**
 * What one fix says about a debounced rule (zone: inside; corridor: on it; speed: over the limit):
 * true or false, or null when it is no evidence either way (inside the margin band, no speed).
 */
export function observation(
  p: PreparedRule,
  settings: EvaluatorSettings,
  pos: Pick<UnitPosition, 'speedMps'>,
  lngLat: readonly [number, number],
): boolean | null {
  const rule = p.rule;
  const [lng, lat] = lngLat;
  switch (rule.type) {
    case 'zone':
      return zoneObservation(p, settings, lngLat, p.shape!.distanceToEdge(lng, lat));
    case 'corridor':
      return corridorObservation(rule.widthM / 2, settings, p.shape!.distanceToEdge(lng, lat));
    case 'speed': {
      if (p.shape && !p.shape.contains(lng, lat)) return false;
      return pos.speedMps === null ? null : pos.speedMps * 3.6 > rule.limitKmh;
    }
    default:
      return null;
  }
}

function zoneObservation(
  p: PreparedRule,
  settings: EvaluatorSettings,
  [lng, lat]: readonly [number, number],
  edge: number,
): boolean | null {
  return edge < settings.marginM ? null : p.shape!.contains(lng, lat);
}

function corridorObservation(half: number, settings: EvaluatorSettings, d: number): boolean | null {
  return d <= Math.max(half - settings.marginM, half / 2) ? true : d >= half + settings.marginM ? false : null;
}

function draft(
  kind: AlertKind,
  rule: PreparedRule,
  pos: UnitPosition,
  lngLat: [number, number],
  episode: number,
  evidence: Alert['evidence'],
): AlertDraft {
  return { kind, rule, episode, time: pos.time, lngLat, evidence };
}

function evaluateRule(
  p: PreparedRule,
  settings: EvaluatorSettings,
  state: UnitState,
  pos: UnitPosition,
  lngLat: [number, number],
): AlertDraft | null {
  const rule = p.rule;
  const [lng, lat] = lngLat;
  switch (rule.type) {
    case 'zone': {
      const edge = p.shape!.distanceToEdge(lng, lat);
      const s = periodState(state, p, pos.time);
      const start = observe(s, zoneObservation(p, settings, lngLat, edge), pos.time, settings.minDurationMs);
      if (!s.value && s.pendingSince === null) state.rules.delete(p.key);
      if (start === null) return null;
      const trigger = rule.trigger;
      if (s.value && trigger !== 'exit') return draft('zone_enter', p, pos, lngLat, start, { distanceM: round(edge) });
      if (!s.value && trigger !== 'enter') return draft('zone_exit', p, pos, lngLat, start, { distanceM: round(edge) });
      return null;
    }
    case 'corridor': {
      const half = rule.widthM / 2;
      const d = p.shape!.distanceToEdge(lng, lat);
      const s = periodState(state, p, pos.time);
      const start = observe(s, corridorObservation(half, settings, d), pos.time, settings.minDurationMs);
      if (!s.value && s.pendingSince === null) state.rules.delete(p.key);
      if (start === null || s.value) return null;
      return draft('corridor_leave', p, pos, lngLat, start, { distanceM: round(d - half) });
    }
    case 'speed': {
      const kmh = pos.speedMps === null ? null : pos.speedMps * 3.6;
      const s = periodState(state, p, pos.time);
      const start = observe(s, observation(p, settings, pos, lngLat), pos.time, settings.minDurationMs);
      if (!s.value && s.pendingSince === null) state.rules.delete(p.key);
      if (start === null || !s.value) return null;
      return draft('overspeed', p, pos, lngLat, start, { speedKmh: round(kmh ?? 0), limitKmh: rule.limitKmh });
    }
    case 'stop': {
      const stop = state.stop!;
      if (p.shape && !p.shape.contains(stop.anchor[0], stop.anchor[1])) return null;
      const stoppedMs = pos.time - stop.since;
      if (stoppedMs < rule.maxStopMinutes * 60_000) return null;
      const s = ruleState(state, p.key);
      if (s.fired === stop.since) return null;
      s.fired = stop.since;
      return draft('long_stop', p, pos, lngLat, stop.since, { stopMinutes: round(stoppedMs / 60_000) });
    }
    case 'signal':
      return null;
  }
}
