import { ALERTS_RESOLVED_IN_FULL, unitKey, type Alert, type AlertsMessage } from '@jointmap/shared';
import type { PositionFix, Storage } from '../storage/types.ts';
import { ruleKey, type RuleIndex } from './rule-index.ts';
import { ofDevice } from './positionless-alarm.ts';
import { chunksBack, SEED_LOOKBACK_MS, storedStay } from './replay-seed.ts';
import type { UnitState } from './unit-evaluator.ts';

/** Every unresolved alert of the operation and the newest resolved ones (sent on join / reconnect). */
export async function fullAlertsMessage(
  storage: Storage,
  operationId: string,
  serverTime: number,
): Promise<AlertsMessage> {
  const unresolved = await storage.listAlerts(operationId, { states: ['open', 'acknowledged'], limit: 5_000 });
  const resolved = await storage.listAlerts(operationId, { states: ['resolved'], limit: ALERTS_RESOLVED_IN_FULL });
  return { operationId, serverTime, full: true, alerts: [...unresolved, ...resolved] };
}

/**
 * The episode of the SOS press that the alarm fix at `time` belongs to: the first fix of the run of
 * consecutive alarm fixes (by device time) of the unit's stored track that holds it (`time` itself
 * when the stored fix at or before it carries no alarm), as the live engine saw it when the fixes
 * came in order and as a replay after a restart sees it. Fixes after `time` do not count. Read
 * backwards a chunk at a time until the run of alarm fixes ends (at most `SEED_LOOKBACK_MS`, 24 h);
 * the fix itself when the track cannot be read. With `deviceId`, only that device's fixes count: a
 * press is one device's (another tracker of the unit reporting without the alarm meanwhile neither
 * ends nor splits it).
 */
export async function storedPressStart(
  storage: Pick<Storage, 'track'>,
  stationId: string,
  unitId: string,
  time: number,
  deviceId?: string,
): Promise<number> {
  return (await storedPress(storage, stationId, unitId, time, deviceId)).start;
}

/** The fixes of `deviceId` (all of them without one). */
const fixesOf = <T extends Pick<PositionFix, 'deviceId'>>(fixes: readonly T[], deviceId: string | undefined) =>
  deviceId === undefined ? fixes : fixes.filter((f) => f.deviceId === deviceId);

/**
 * {@link storedPressStart}, and `after`: the time of the stored fix before the press (one without
 * the alarm), or where the lookback ended when there is none; `run`: the times of the press's
 * alarm fixes up to `time` (and of a fix at `time` without it), oldest first. An alarm sent without
 * a position (never stored) in between belongs to the press too. The fixes are gone over once,
 * newest first, chunk by chunk, as the track is read back.
 */
async function storedPress(
  storage: Pick<Storage, 'track'>,
  stationId: string,
  unitId: string,
  time: number,
  deviceId?: string,
): Promise<{ start: number; after: number; run: number[] }> {
  let start = time;
  /** The times of the fixes from `start` to `time`, newest first. */
  const run: number[] = [];
  /** A fix without the alarm was met: the run of alarm fixes is over. */
  let over = false;
  try {
    for await (const chunk of chunksBack(storage, stationId, unitId, time + 1)) {
      const fixes = fixesOf(chunk.fixes, deviceId);
      for (let i = fixes.length - 1; i >= 0; i--) {
        const f = fixes[i]!;
        if (over || !f.alarm) {
          over = true;
          // The stored fix before the press (a fix at `time` itself without the alarm is not).
          if (f.time < start) return { start, after: f.time, run: run.reverse() };
        } else start = f.time;
        run.push(f.time);
      }
    }
    return { start, after: time - SEED_LOOKBACK_MS, run: run.reverse() };
  } catch {
    return { start: time, after: time - 1, run: [time] };
  }
}

/** Most fixes read forward to find where a press ends. */
const PRESS_END_LIMIT = 20_000;

/**
 * The episode under which an alarm from a late or replayed fix at `time` is raised: the first fix of
 * its press (the run of alarm fixes that holds it, {@link storedPressStart}), or null when an SOS
 * alert of the unit was already stored for a fix of that press. A press whose fixes came out of
 * order (the engine raised it for the first that arrived) or that began before a replay window is
 * one alert; so is one begun by an alarm sent without a position: its alert (marked by
 * `evidence.position`) lies after the stored fix before the run and before the first stored fix
 * without the alarm after `time`. A press ended by a report without a position (no track holds
 * it: `evidence.pressEndedAt` on that press's alert) at or before `time` is an earlier one: the
 * press of `time` begins after that end. `deviceId`: the alarm's device, whose fixes alone make
 * its press ({@link storedPressStart}).
 */
export async function pressEpisode(
  storage: Pick<Storage, 'track' | 'listAlerts'>,
  operationId: string,
  stationId: string,
  unitId: string,
  time: number,
  deviceId?: string,
): Promise<number | null> {
  const press = await storedPress(storage, stationId, unitId, time, deviceId);
  let { start, after: since } = press;
  try {
    // Another device's SOS is another press (alerts stored before they named their device: any).
    const held = (await storage.listAlerts(operationId, { kind: 'sos', stationId, unitId, limit: 1_000 })).filter(
      (a) => deviceId === undefined || ofDevice(a, deviceId),
    );
    const ended = (a: Alert) => a.evidence.pressEndedAt !== undefined && a.evidence.pressEndedAt <= time;
    const cut = Math.max(-Infinity, ...held.filter(ended).map((a) => a.evidence.pressEndedAt!));
    if (cut >= start) {
      start = press.run.find((t) => t > cut) ?? time;
      since = cut;
    }
    const after = fixesOf(
      await storage.track(stationId, unitId, time + 1, time + SEED_LOOKBACK_MS, PRESS_END_LIMIT),
      deviceId,
    );
    const stop = after.findIndex((f) => !f.alarm);
    const end = stop < 0 ? (after.at(-1)?.time ?? time) : stop === 0 ? time : after[stop - 1]!.time;
    const bound = stop < 0 ? Infinity : after[stop]!.time;
    const ofPress = (a: Alert) =>
      a.evidence.position ? a.time > since && a.time < bound : a.time >= start && a.time <= end;
    return held.some((a) => !ended(a) && ofPress(a)) ? null : start;
  } catch {
    return start;
  }
}

/** Most zone alerts read to seed a replay. */
const SEED_LIMIT = 50_000;

/**
 * The stored zone enter/exit alerts of an operation: `unitKey` → rule key (`<scope>/<ruleId>`) →
 * its alerts. A replay reads from them where a unit stood towards each zone ({@link seedZones},
 * `stayAtChange`).
 */
export async function zoneAlerts(
  storage: Pick<Storage, 'listAlerts'>,
  operationId: string,
): Promise<Map<string, Map<string, Alert[]>>> {
  const [enters, exits] = await Promise.all([
    storage.listAlerts(operationId, { kind: 'zone_enter', limit: SEED_LIMIT }),
    storage.listAlerts(operationId, { kind: 'zone_exit', limit: SEED_LIMIT }),
  ]);
  const out = new Map<string, Map<string, Alert[]>>();
  for (const a of [...enters, ...exits]) {
    if (a.ruleId === null || a.ruleScope === null) continue;
    const unit = unitKey(a.stationId, a.unitId);
    let rules = out.get(unit);
    if (!rules) out.set(unit, (rules = new Map()));
    const rule = ruleKey(a.ruleScope, a.ruleId);
    const list = rules.get(rule);
    if (list) list.push(a);
    else rules.set(rule, [a]);
  }
  return out;
}

/**
 * Start a replayed unit inside the zones it was inside when the window opens at `before`, by the
 * stored alerts (enabled zone rules only): the newest enter/exit raised before the window and since
 * the rule was last armed (one raised before belongs to an earlier arming, whose state the engine
 * dropped) is an enter. A unit that entered a zone before the window and is still inside must not
 * be taken by the replay for one that just entered (a second alert for the same stay). The stored
 * track, where it tells, overrides this (`seedUnit`).
 */
export function seedZones(
  index: RuleIndex,
  state: UnitState,
  alerts: ReadonlyMap<string, readonly Alert[]> | undefined,
  before: number,
): void {
  for (const [key, held] of alerts ?? []) {
    const p = index.get(key);
    if (p?.rule.type !== 'zone' || !p.rule.enabled) continue;
    const s = storedStay(p, held, (a) => a.time < before);
    if (s?.value) state.rules.set(key, s);
  }
}
