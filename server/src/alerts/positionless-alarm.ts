import { unitKey, type Alert } from '@jointmap/shared';
import type { PositionlessReport } from '../live/relay.ts';
import type { Storage } from '../storage/types.ts';
import { ANY_DEVICE, endStoredPress, judgePress, sosDraft } from './sos-press.ts';
import type { AlertDraft, UnitState } from './unit-evaluator.ts';

/**
 * Apply a report its device sent without a usable position (no GPS lock indoors, lat 0 lon 0, a
 * heartbeat) to the unit's state; returns the SOS to raise. It goes the way of any report
 * (`judgePress`): an alarm is raised once per press, from a late report too, but placed at the
 * unit's last known position (`sosDraft`); a report without an alarm ends the press its device holds.
 *
 * Only the press and `state.heard` move: the unit's position, newest fix, stops and rules stay as
 * its fixes left them, so what the stored track replays after a restart is judged as it was live. A
 * press begun by such a report may therefore be newer than `state.newest`.
 */
export function evaluatePositionless(state: UnitState, report: PositionlessReport): AlertDraft[] {
  const press = judgePress(state, report);
  return press ? [sosDraft(state, report, press === 'late')] : [];
}

/** Most SOS alerts of an operation read by a replay. */
const SEED_LIMIT = 5_000;

/** What a unit's SOS alerts hold that no track does, for a replay. */
export interface StoredPresses {
  /** The press ends recorded on them (`evidence.pressEndedAt`), oldest first; taken off as applied. */
  ends: number[];
  /** Its newest SOS alert. */
  newest: Alert;
}

/** The SOS alerts of an operation's units, by `unitKey`, for its replay ({@link endsBefore}, {@link seedPresses}). */
export async function storedPresses(
  storage: Pick<Storage, 'listAlerts'>,
  op: { id: string; stations: ReadonlySet<string> },
): Promise<Map<string, StoredPresses>> {
  const units = new Map<string, StoredPresses>();
  // Newest first: the first of each unit is its newest.
  for (const a of await storage.listAlerts(op.id, { kind: 'sos', limit: SEED_LIMIT })) {
    if (!op.stations.has(a.stationId)) continue;
    const key = unitKey(a.stationId, a.unitId);
    const u = units.get(key) ?? { ends: [], newest: a };
    if (a.evidence.pressEndedAt !== undefined) u.ends.push(a.evidence.pressEndedAt);
    units.set(key, u);
  }
  for (const u of units.values()) u.ends.sort((x, y) => x - y);
  return units;
}

/**
 * While a unit's track is replayed: the press ends stored before `time` (the next replayed fix's),
 * applied in time order, as the reports without a position that ended them were live. Without
 * them the press of an alarm fix before such an end would swallow the next press's alarm fixes.
 */
export function endsBefore(state: UnitState, presses: StoredPresses | undefined, time: number): void {
  while (presses?.ends.length && presses.ends[0]! < time) endStoredPress(state, presses.ends.shift()!);
}

/**
 * After a unit's track is replayed (a restart, or another instance loading the operation): the
 * press ends after its last fix, and a press begun by an alarm without a position that is still
 * held, so that the same press sent on raises no second SOS. That is the unit's newest SOS alert
 * if it is marked by `evidence.position`, no report ended it (`evidence.pressEndedAt`) and no fix
 * of its device came after (a fix without the alarm would have ended it, one with it was replayed):
 * - its device recorded (`evidence.deviceId`): none in the replay (`state.heard`) nor, when the
 *   alert is older than the replay window, in the stored track between the alert and the window
 *   (`reportedBefore`, {@link storedFixOf}); the press is that device's, and fixes of the unit's
 *   other trackers neither end it nor keep it from being held;
 * - an alert stored before the device was recorded: no fix of the unit at all after it
 *   (`state.newest`); held with no device, it is ended by a report of any device of the unit.
 * Such an alarm is in no track: its time is the newest report known.
 */
export function seedPresses(state: UnitState, presses: StoredPresses, reportedBefore = false): void {
  endsBefore(state, presses, Infinity);
  const a = presses.newest;
  if (!a.evidence.position) return;
  state.heard.set(ANY_DEVICE, Math.max(state.heard.get(ANY_DEVICE) ?? -Infinity, a.time));
  if (a.evidence.pressEndedAt !== undefined || state.sosSince !== null) return;
  const device = a.evidence.deviceId ?? null;
  if (device === null) {
    if (a.time > state.newest) [state.sosSince, state.sosDevice] = [a.time, null];
    return;
  }
  const heard = state.heard.get(device) ?? -Infinity;
  if (reportedBefore || heard > a.time) return;
  [state.sosSince, state.sosDevice] = [a.time, device];
  state.heard.set(device, Math.max(heard, a.time));
}

/** Most fixes read to tell whether a device reported between a press's alert and the replay window. */
const BETWEEN_LIMIT = 20_000;

/**
 * Whether the unit's stored track holds a fix of `deviceId` after `after` and before `before`
 * (where the replay window opens). Not known (the read failed, or more fixes than are read): true,
 * so no press is held for a device that may have ended it (a second SOS rather than a lost one).
 */
export async function storedFixOf(
  storage: Pick<Storage, 'track'>,
  stationId: string,
  unitId: string,
  deviceId: string,
  after: number,
  before: number,
): Promise<boolean> {
  if (after + 1 > before - 1) return false;
  try {
    const fixes = await storage.track(stationId, unitId, after + 1, before - 1, BETWEEN_LIMIT);
    return fixes.length >= BETWEEN_LIMIT || fixes.some((f) => f.deviceId === deviceId);
  } catch {
    return true;
  }
}

/** Most SOS alerts of a unit read to find the one a press's end is written on. */
const PRESS_ALERTS = 1_000;

/**
 * Write the end of a press, `endedAt`, on its alert (`evidence.pressEndedAt`): the unit's newest
 * SOS alert before the end, if no end is recorded on it yet. The press's start in the state
 * (`sosSince`) need not be its alert's episode: a replay starts it at the newest alarm fix of the
 * track, and a late alarm is raised under the press it belongs to.
 */
export async function recordPressEnd(
  storage: Pick<Storage, 'listAlerts' | 'endSosPress'>,
  operationId: string,
  stationId: string,
  unitId: string,
  endedAt: number,
): Promise<void> {
  // Newest first.
  const alerts = await storage.listAlerts(operationId, { kind: 'sos', stationId, unitId, limit: PRESS_ALERTS });
  const press = alerts.find((a) => a.time < endedAt);
  if (press && press.evidence.pressEndedAt === undefined) await storage.endSosPress(operationId, press.id, endedAt);
}
