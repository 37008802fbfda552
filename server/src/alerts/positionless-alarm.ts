import type { Alert } from '@jointmap/shared';
import type { PositionlessReport } from '../live/relay.ts';
import type { Storage } from '../storage/types.ts';
import type { AlertDraft, UnitState } from './unit-evaluator.ts';

/**
 * Where an SOS raised for a unit that never reported a position is stored: the alert store keeps a
 * number pair, and `evidence.position: 'none'` says it is no place (the console draws none).
 */
const NO_PLACE: [number, number] = [0, 0];

/**
 * Apply a fix its device sent without a usable position (no GPS lock indoors, lat 0 lon 0) to the
 * unit's state; returns the SOS to raise. An alarm is raised as one on a fix is (`evaluateFix`):
 * once per press, from a late report too, but placed at the unit's last known position (its
 * newest fix, named in the evidence with its time), or nowhere if it never had one. A report
 * without an alarm ends the press, as a fix without one does.
 *
 * Only the press and `state.heard` move: the unit's position, newest fix, stops and rules stay as
 * its fixes left them, so what the stored track replays after a restart is judged as it was live. A
 * press begun by such a report may therefore be newer than `state.newest`; an older fix does not
 * end it. An alarm older than the newest report of any kind (`state.heard`: a report after the
 * press ended it) is late, so an alarm of an ended press arriving after its end raises no second
 * SOS and holds no press.
 */
export function evaluatePositionless(state: UnitState, report: PositionlessReport): AlertDraft[] {
  const pressing = state.sosSince !== null;
  // Older than the newest report (a fix, one without a position, a press's end): judged as late.
  if (report.time <= Math.max(state.newest, state.heard))
    return report.alarm && !pressing ? [{ ...sos(state, report), late: true }] : [];
  state.heard = report.time;
  if (!report.alarm) {
    if (pressing && report.time > state.sosSince!) state.sosSince = null;
    return [];
  }
  if (pressing) return [];
  state.sosSince = report.time;
  return [sos(state, report)];
}

function sos(state: UnitState, report: PositionlessReport): AlertDraft {
  const last = state.last;
  const where: Alert['evidence'] = last ? { position: 'last_known', positionTime: last.time } : { position: 'none' };
  return {
    kind: 'sos',
    rule: null,
    episode: report.time,
    time: report.time,
    lngLat: last ? [last.lngLat[0], last.lngLat[1]] : NO_PLACE,
    evidence: { alarm: report.alarm ?? 'sos', ...where },
  };
}

/** Most SOS alerts of an operation read to find presses still held without a position. */
const SEED_LIMIT = 5_000;

/**
 * After a replay (a restart, or another instance loading the operation), what no track holds, only
 * the SOS alerts:
 * - a press begun by an alarm without a position: the newest such alert of a unit
 *   (`evidence.position`) that no report ended (`evidence.pressEndedAt`) and no fix came after
 *   (`state.newest`: a fix without the alarm would have ended it, one with it was replayed) is the
 *   press still held, its `sosSince`, so that the same press sent on raises no second SOS;
 * - a press ended by a report without a position after the unit's newest fix: not held any longer,
 *   though its stored alarm fixes were the last, so that the next press raises its SOS.
 */
export async function seedPositionlessPresses(
  storage: Pick<Storage, 'listAlerts'>,
  op: { id: string; stations: ReadonlySet<string> },
  unitState: (stationId: string, unitId: string) => UnitState,
): Promise<void> {
  const units = new Map<string, { newest: Alert; endedAt: number }>();
  // Newest first: the first of each unit is its newest.
  for (const a of await storage.listAlerts(op.id, { kind: 'sos', limit: SEED_LIMIT })) {
    if (!op.stations.has(a.stationId)) continue;
    const key = JSON.stringify([a.stationId, a.unitId]);
    const u = units.get(key) ?? { newest: a, endedAt: -Infinity };
    u.endedAt = Math.max(u.endedAt, a.evidence.pressEndedAt ?? -Infinity);
    units.set(key, u);
  }
  for (const { newest: a, endedAt } of units.values()) {
    const state = unitState(a.stationId, a.unitId);
    // Reports without a position are in no track: their newest known is an end or an alarm stored.
    state.heard = Math.max(state.heard, state.newest, endedAt, a.evidence.position ? a.time : -Infinity);
    if (state.sosSince !== null && endedAt > state.newest && endedAt > state.sosSince) state.sosSince = null;
    const held = a.evidence.position && a.evidence.pressEndedAt === undefined;
    if (held && state.sosSince === null && a.time > state.newest) state.sosSince = a.time;
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
