import { unitKey, type Alert } from '@jointmap/shared';
import type { PositionlessReport } from '../live/relay.ts';
import type { AlertCursor, Storage } from '../storage/types.ts';
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
 * press begun by such a report may therefore be newer than `state.newest`. `ended`, when given,
 * receives the devices whose press the report ended (`ANY_DEVICE` for one of no known device).
 */
export function evaluatePositionless(state: UnitState, report: PositionlessReport, ended?: string[]): AlertDraft[] {
  const press = judgePress(state, report, ended);
  return press ? [sosDraft(state, report, press === 'late')] : [];
}

/** Most SOS alerts of an operation read by a replay. */
const SEED_LIMIT = 5_000;

/** What a unit's SOS alerts hold that no track does, for a replay. */
export interface StoredPresses {
  /** The press ends recorded on them (`evidence.pressEndedAt`) and the device each names, oldest first; taken off as applied. */
  ends: { at: number; deviceId: string }[];
  /** Its newest SOS alert of each device (`evidence.deviceId`; `ANY_DEVICE` for those that name none). */
  newest: Map<string, Alert>;
}

/** The device an SOS alert names (`ANY_DEVICE`: stored before alerts named it). */
export const deviceOf = (a: Alert): string => a.evidence.deviceId ?? ANY_DEVICE;

/** The SOS alerts of an operation's units, by `unitKey`, for its replay ({@link endsBefore}, {@link seedPresses}). */
export async function storedPresses(
  storage: Pick<Storage, 'listAlerts'>,
  op: { id: string; stations: ReadonlySet<string> },
): Promise<Map<string, StoredPresses>> {
  const units = new Map<string, StoredPresses>();
  // Newest first: the first of each device is its newest.
  for (const a of await storage.listAlerts(op.id, { kind: 'sos', limit: SEED_LIMIT })) {
    if (!op.stations.has(a.stationId)) continue;
    const key = unitKey(a.stationId, a.unitId);
    const u = units.get(key) ?? { ends: [], newest: new Map<string, Alert>() };
    if (a.evidence.pressEndedAt !== undefined) u.ends.push({ at: a.evidence.pressEndedAt, deviceId: deviceOf(a) });
    if (!u.newest.has(deviceOf(a))) u.newest.set(deviceOf(a), a);
    units.set(key, u);
  }
  for (const u of units.values()) u.ends.sort((x, y) => x.at - y.at);
  return units;
}

/**
 * While a unit's track is replayed: the press ends stored before `time` (the next replayed fix's),
 * applied in time order, as the reports without a position that ended them were live. Without
 * them the press of an alarm fix before such an end would swallow the next press's alarm fixes.
 */
export function endsBefore(state: UnitState, presses: StoredPresses | undefined, time: number): void {
  while (presses?.ends.length && presses.ends[0]!.at < time) {
    const end = presses.ends.shift()!;
    endStoredPress(state, end.at, end.deviceId);
  }
}

/**
 * After a unit's track is replayed (a restart, or another instance loading the operation): the
 * press ends after its last fix, and the presses begun by an alarm without a position that are
 * still held, so that the same press sent on raises no second SOS. Each device's newest SOS alert
 * holds one if it is marked by `evidence.position`, no report ended it (`evidence.pressEndedAt`),
 * commanders did not resolve it (a resolved press holds no more), and no fix of its device came
 * after (a fix without the alarm would have ended it, one with it was replayed):
 * - its device recorded (`evidence.deviceId`): none in the replay (`state.heard`) nor, when the
 *   alert is older than the replay window, in the stored track between the alert and the window
 *   (`reportedBefore(alert)`, {@link storedFixOf}); the press is that device's;
 * - an alert stored before the device was recorded: no fix of the unit at all after it
 *   (`state.newest`); held with no device (`ANY_DEVICE`), it is ended by a report of any device.
 * Such an alarm is in no track: its time is the newest report known.
 */
export function seedPresses(
  state: UnitState,
  presses: StoredPresses,
  reportedBefore: (a: Alert) => boolean = () => false,
): void {
  endsBefore(state, presses, Infinity);
  for (const [device, a] of presses.newest) {
    if (!a.evidence.position) continue;
    state.heard.set(device, Math.max(state.heard.get(device) ?? -Infinity, a.time));
    if (a.evidence.pressEndedAt !== undefined || a.state === 'resolved' || state.presses.has(device)) continue;
    if (device === ANY_DEVICE) {
      if (a.time > state.newest) state.presses.set(ANY_DEVICE, a.time);
      continue;
    }
    if (reportedBefore(a) || (state.heard.get(device) ?? -Infinity) > a.time) continue;
    state.presses.set(device, a.time);
  }
}

/** Most fixes read to tell whether a device reported between a press's alert and the replay window. */
const BETWEEN_LIMIT = 20_000;

/**
 * Whether the unit's stored track holds a fix of `deviceId` without the alarm (one that ends its
 * press; its alarm fixes carry the press on) after `after` and before `before` (where the replay
 * window opens). Not known (the read failed, or the most fixes read, `BETWEEN_LIMIT`, hold none of
 * it without the alarm: a unit reporting for hours between the alert and the window): true, so no
 * press is held for a device that may have ended it (a second SOS rather than a lost one).
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
    return fixes.length >= BETWEEN_LIMIT || fixes.some((f) => f.deviceId === deviceId && !f.alarm);
  } catch {
    return true;
  }
}

/** Whether SOS alert `a` may be of `deviceId`'s press: it names that device, or none. */
export const ofDevice = (a: Alert, deviceId: string): boolean =>
  a.evidence.deviceId === undefined || a.evidence.deviceId === deviceId;

/** Most SOS alerts of a unit read to find the ones a press's end is written on. */
const PRESS_ALERTS = 1_000;
/** SOS alerts read at a time for it: the alert of a press just ended is among the newest before its end. */
const PRESS_PAGE = 10;

/**
 * Write the end of the presses `devices` held, `endedAt`, on their alerts (`evidence.pressEndedAt`):
 * for each, the unit's newest SOS alert before the end of that device (of that device or of none
 * named; for `ANY_DEVICE`, of none named), if no end is recorded on it yet. One report may end two
 * presses, its device's own and one of no known device (read back from an alert stored before
 * alerts named their device): each alert keeps its end, or the one without would be held again
 * after the next restart. A press's start in the state need not be its alert's episode: a replay
 * starts it at the newest alarm fix of the track, and a late alarm is raised under the press it
 * belongs to. The unit's SOS alerts are read newest first from the end on, in growing pages, until
 * each device's is found.
 */
export async function recordPressEnd(
  storage: Pick<Storage, 'listAlerts' | 'endSosPress'>,
  operationId: string,
  stationId: string,
  unitId: string,
  endedAt: number,
  devices: readonly string[],
): Promise<void> {
  const presses = new Map<string, Alert>();
  const wanted = new Set(devices);
  // From the alerts as old as the end (an id is never empty), newest first.
  let after: AlertCursor = { time: endedAt, id: '' };
  // Each page four times the last: the newest alert is nearly always the one, and a long search
  // takes a few statements, not a hundred (the cursor's time is a filter, not an index bound).
  for (let read = 0, size = PRESS_PAGE; wanted.size && read < PRESS_ALERTS; size *= 4) {
    const limit = Math.min(size, PRESS_ALERTS - read);
    const page = await storage.listAlerts(operationId, { kind: 'sos', stationId, unitId, after, limit });
    read += page.length;
    for (const a of page) {
      if (a.time >= endedAt) continue;
      for (const device of wanted) {
        if (device === ANY_DEVICE ? deviceOf(a) !== ANY_DEVICE : !ofDevice(a, device)) continue;
        presses.set(device, a);
        wanted.delete(device);
      }
    }
    if (page.length < limit) break;
    after = { time: page.at(-1)!.time, id: page.at(-1)!.id };
  }
  // Two devices may share an alert (one naming none): written once.
  const ends = new Map([...presses.values()].map((press) => [press.id, press]));
  for (const press of ends.values())
    if (press.evidence.pressEndedAt === undefined) await storage.endSosPress(operationId, press.id, endedAt);
}

/**
 * Most SOS alerts of a unit read to tell whether a held press's alert was resolved: the newest
 * few, read while the press's device keeps sending the alarm (at most every `RESOLVED_READ_MS` per
 * press and instance). A unit whose other devices raised more since holds its press (not known).
 */
const RESOLVED_ALERTS = 20;

/**
 * Whether commanders resolved the SOS of the press `deviceId` holds: the unit's newest SOS alert
 * of that device (or of none named) is resolved, whatever its time (an alarm arriving late must
 * not find an older, resolved alert behind the press's open one). A resolved press holds no more
 * (a device lost or smashed mid-press would otherwise swallow every later SOS of its own), so the
 * device's next alarm newer than the press's start starts the next press. Read from the store,
 * which every instance shares, so it holds whichever instance the alert was resolved on, and after
 * a restart.
 */
export async function pressResolved(
  storage: Pick<Storage, 'listAlerts'>,
  operationId: string,
  stationId: string,
  unitId: string,
  deviceId: string,
): Promise<boolean> {
  // Newest first.
  const alerts = await storage.listAlerts(operationId, { kind: 'sos', stationId, unitId, limit: RESOLVED_ALERTS });
  return alerts.find((a) => ofDevice(a, deviceId))?.state === 'resolved';
}
