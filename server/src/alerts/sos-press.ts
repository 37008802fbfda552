import type { Alert } from '@jointmap/shared';
import { isPositionless, type RelayedFix } from '../live/relay.ts';
import type { AlertDraft, UnitState } from './unit-evaluator.ts';

/**
 * SOS presses: the one rule by which a report (a fix, or one sent without a usable position) of a
 * unit's device starts, carries on or ends an SOS press, and the one SOS draft both raise.
 *
 * A press belongs to the device that started it: only a report of that device without the alarm
 * ends it, so a phone indoors reporting `valid=false` every 30 s does not split the press its
 * unit's body tracker holds. Each device holds its own press (`UnitState.presses`): another
 * device's alarm while one is held starts a press of its own and raises its own SOS (a second
 * officer's distress is not the first one's); one device's press stays one alert. A press whose
 * alert commanders resolved holds no more: the instance it was resolved on ends it at once, the
 * others when its device's alarm comes again (`AlertService`, `pressResolved`). Each device's reports are judged against that device's
 * newest report (`UnitState.heard`), not against the other trackers of its unit.
 */

/**
 * The key of `UnitState.heard` and `UnitState.presses` for what came without its device: press
 * ends, and presses read back from alerts stored before they named their device.
 */
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
function heardOf(state: UnitState, deviceId: string): number {
  return Math.max(state.heard.get(deviceId) ?? -Infinity, state.heard.get(ANY_DEVICE) ?? -Infinity);
}

/** Whether `deviceId` holds a press: its own, or one whose device is not known (which any report may end). */
export function holdsPress(state: UnitState, deviceId: string): boolean {
  return state.presses.has(deviceId) || state.presses.has(ANY_DEVICE);
}

/** Start of the press `deviceId` holds (no device: the oldest held), or null. */
export function pressSince(state: UnitState, deviceId?: string): number | null {
  if (deviceId !== undefined) return state.presses.get(deviceId) ?? state.presses.get(ANY_DEVICE) ?? null;
  return state.presses.size ? Math.min(...state.presses.values()) : null;
}

/**
 * Apply one report to the press of its device: `raise` when it starts a press (its SOS to raise),
 * `late` when it is an alarm whose press is read back from the stored track and alerts
 * (`pressEpisode`), else null.
 *
 * - Not newer than its device's newest report: the same report again (equal time) changes nothing;
 *   an older one is late while its device holds no press: its alarm may belong to a press already
 *   ended (a tracker re-sending its buffer), so it neither holds a press nor ends one.
 * - An alarm fix of a device not heard yet (none since the engine started, or older than the
 *   replay window: `heard` is rebuilt from the window only) that is older than the unit's newest
 *   fix is late too: it may carry on a press alerted before (a phone flushing its buffer after a
 *   restart), which only its stored track tells. It is heard and holds its device's press all the
 *   same, so that its device's next alarm (a tracker repeating the alarm on every fix, a batch
 *   buffered asleep) is that press and not a second SOS. An alarm sent without a position is not
 *   late so: no track holds its press, and it is judged as any report.
 * - Newer: an alarm starts a press unless its device holds one; a report without the alarm ends
 *   the press its device holds (its key pushed on `ended`, when given).
 */
export function judgePress(state: UnitState, r: PressReport, ended?: string[]): 'raise' | 'late' | null {
  const heard = heardOf(state, r.deviceId);
  const held = holdsPress(state, r.deviceId);
  if (r.time <= heard) return r.alarm !== null && r.time < heard && !held ? 'late' : null;
  const late = r.alarm !== null && !r.positionless && !state.heard.has(r.deviceId) && r.time < state.newest;
  state.heard.set(r.deviceId, r.time);
  if (r.alarm === null) {
    endPressOf(state, r.deviceId, r.time, ended);
    return null;
  }
  if (held) return null;
  state.presses.set(r.deviceId, r.time);
  return late ? 'late' : 'raise';
}

/**
 * A press end read back from its alert (`evidence.pressEndedAt`, after a restart): it ends the
 * press of `deviceId`, the device the alert names (none: the press held whoever holds it), and
 * older reports of that device (none: of every device) are late.
 */
export function endStoredPress(state: UnitState, endedAt: number, deviceId = ANY_DEVICE): void {
  state.heard.set(deviceId, Math.max(state.heard.get(deviceId) ?? -Infinity, endedAt));
  if (deviceId !== ANY_DEVICE) endPressOf(state, deviceId, endedAt);
  else for (const [device, since] of state.presses) if (endedAt > since) state.presses.delete(device);
}

/**
 * A report of `deviceId` without the alarm at `time`: the press it holds ends (its own, or one of
 * no known device); the key of each press ended is pushed on `ended`.
 */
function endPressOf(state: UnitState, deviceId: string, time: number, ended?: string[]): void {
  endPressAt(state, deviceId, time, ended);
  if (deviceId !== ANY_DEVICE) endPressAt(state, ANY_DEVICE, time, ended);
}

/** The press held under `key` ends if it began before `time`. */
function endPressAt(state: UnitState, key: string, time: number, ended: string[] | undefined): void {
  const since = state.presses.get(key);
  if (since === undefined || time <= since) return;
  state.presses.delete(key);
  ended?.push(key);
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
  // No track holds the device of an alarm sent without a position: its alert does (`seedPresses`);
  // every SOS names it, so that its press is told from another device's (`pressResolved`).
  where.deviceId = report.deviceId;
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
