import type { Alert } from '@jointmap/shared';
import { isPositionless, type RelayedFix } from '../live/relay.ts';
import type { AlertDraft, UnitState } from './unit-evaluator.ts';

/**
 * SOS presses: the one rule by which a report (a fix, or one sent without a usable position) of a
 * unit's device starts, carries on or ends an SOS press, and the one SOS draft both raise.
 *
 * A press belongs to the device that started it: only a report of that device without the alarm
 * ends it, so a phone indoors reporting `valid=false` every 30 s does not split the press its
 * unit's body tracker holds. The alert stays per unit: while one device holds a press, another
 * device's alarm raises nothing more. Each device's reports are judged against that device's
 * newest report (`UnitState.heard`), not against the other trackers of its unit.
 */

/** The key of `UnitState.heard` for what came without its device: press ends and alarms read back from alerts. */
export const ANY_DEVICE = '';

/** What the press rule reads of a report. */
export interface PressReport {
  deviceId: string;
  time: number;
  alarm: string | null;
  /** Sent without a usable position (never stored): `PositionlessReport`. */
  positionless?: true;
}

/** Device time of the newest report of `deviceId` (or of any device, read back from the alerts after a restart). */
export function heardOf(state: UnitState, deviceId: string): number {
  return Math.max(state.heard.get(deviceId) ?? -Infinity, state.heard.get(ANY_DEVICE) ?? -Infinity);
}

/** Whether a report of `deviceId` without the alarm may end the press held (one whose device is not known: by any). */
export function holdsPress(state: UnitState, deviceId: string): boolean {
  return state.sosSince !== null && (state.sosDevice === null || state.sosDevice === deviceId);
}

/**
 * Apply one report to the press: `raise` when it starts a press (its SOS to raise), `late` when it
 * is an alarm older than its device's newest report while no press is held (its press is read back
 * from the stored track and alerts, `pressEpisode`), else null.
 *
 * - Not newer than its device's newest report: the same report again (equal time) changes nothing;
 *   an older one is late: its alarm may belong to a press already ended (a tracker re-sending its
 *   buffer), so it neither holds a press nor ends one.
 * - An alarm fix of a device not heard yet (none since the engine started, or older than the
 *   replay window: `heard` is rebuilt from the window only) that is older than the unit's newest
 *   fix is late too, and moves nothing: it may carry on a press alerted before (a phone flushing
 *   its buffer after a restart), which only its stored track tells. Its device's next fix is
 *   judged the same way until one is newer than the unit's newest. An alarm sent without a
 *   position is not: no track holds its press, and it is judged as any report.
 * - Newer: an alarm starts a press unless one is held; a report without the alarm ends the press
 *   its device holds.
 */
export function judgePress(state: UnitState, r: PressReport): 'raise' | 'late' | null {
  const heard = heardOf(state, r.deviceId);
  if (r.time <= heard) return r.alarm !== null && r.time < heard && state.sosSince === null ? 'late' : null;
  if (r.alarm !== null && !r.positionless && !state.heard.has(r.deviceId) && r.time < state.newest)
    return state.sosSince === null ? 'late' : null;
  state.heard.set(r.deviceId, r.time);
  if (r.alarm === null) {
    if (holdsPress(state, r.deviceId) && r.time > state.sosSince!) endPress(state);
    return null;
  }
  if (state.sosSince !== null) return null;
  state.sosSince = r.time;
  state.sosDevice = r.deviceId;
  return 'raise';
}

/**
 * A press end read back from its alert (`evidence.pressEndedAt`, after a restart): the device of
 * the report that ended it is not stored, so it ends the press held whoever holds it, and older
 * reports of every device are late.
 */
export function endStoredPress(state: UnitState, endedAt: number): void {
  state.heard.set(ANY_DEVICE, Math.max(state.heard.get(ANY_DEVICE) ?? -Infinity, endedAt));
  if (state.sosSince !== null && endedAt > state.sosSince) endPress(state);
}

function endPress(state: UnitState): void {
  state.sosSince = null;
  state.sosDevice = null;
}

/**
 * Where an SOS raised for a unit that never reported a position is stored: the alert store keeps a
 * number pair, and `evidence.position: 'none'` says it is no place (the console draws none).
 */
const NO_PLACE: [number, number] = [0, 0];

/**
 * The SOS of an alarm: at the fix that carried it, or, sent without a usable position, at the
 * unit's last known position (its newest fix, named in the evidence with its time) or nowhere.
 */
export function sosDraft(state: UnitState, report: RelayedFix, late: boolean): AlertDraft {
  let lngLat: [number, number];
  let where: Alert['evidence'] = {};
  if (!isPositionless(report)) lngLat = [report.lngLat[0], report.lngLat[1]];
  else if (state.last) {
    lngLat = [state.last.lngLat[0], state.last.lngLat[1]];
    where = { position: 'last_known', positionTime: state.last.time };
  } else {
    lngLat = NO_PLACE;
    where = { position: 'none' };
  }
  // No track holds the device of an alarm sent without a position: its alert does (`seedPresses`).
  if (isPositionless(report)) where.deviceId = report.deviceId;
  return {
    kind: 'sos',
    rule: null,
    episode: report.time,
    time: report.time,
    lngLat,
    evidence: { alarm: report.alarm ?? 'sos', ...where },
    deviceId: report.deviceId,
    ...(late ? { late: true } : {}),
  };
}
