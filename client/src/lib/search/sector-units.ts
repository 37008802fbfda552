import { dispatchChanges, unitKey, type Sector, type Unit } from '@jointmap/shared';
import { writeErrorText } from '../i18n/error-text.ts';
import type { OperationSession } from '../state/operation-session.svelte.ts';
import { dispatchBlock, type DispatchBlock } from '../tasks/dispatch/dispatch-actions.ts';

/*
 * A sector names its units by id alone (`assignedUnitIds`), and two stations may both have a unit
 * of one id. The picker therefore works on unit keys (`unitKey(stationId, id)`), shows only the
 * sector's station's units when it has one, and with none lets only one unit of an id be chosen.
 */

const byStationThenCallsign = (a: Unit, b: Unit) =>
  a.stationId.localeCompare(b.stationId) || a.callsign.localeCompare(b.callsign, 'zh-CN');

const keyOf = (u: Unit) => unitKey(u.stationId, u.id);

/** The units the picker lists: the chosen station's (`stationId`), or with none every unit. */
export function pickerUnits(units: readonly Unit[], stationId: string | null): Unit[] {
  return units.filter((u) => !stationId || u.stationId === stationId).sort(byStationThenCallsign);
}

/**
 * The picker's ticks for a sector as stored: each id ticks the unit of the sector's station, else
 * the first unit of that id (its twin stays unticked). Ids of no known unit are left out (see
 * {@link pickedIds}, which keeps them).
 */
export function keysOfSector(sector: Pick<Sector, 'assignedStationId' | 'assignedUnitIds'>, units: readonly Unit[]) {
  const keys: string[] = [];
  for (const id of sector.assignedUnitIds) {
    const same = units.filter((u) => u.id === id).sort(byStationThenCallsign);
    const unit = same.find((u) => u.stationId === sector.assignedStationId) ?? same[0];
    if (unit) keys.push(keyOf(unit));
  }
  return keys;
}

/** The chosen unit of another station with the same id as `unit` (it cannot be chosen too), if any. */
export function twinChosen(unit: Unit, chosen: readonly string[], units: readonly Unit[]): Unit | null {
  return units.find((u) => u.id === unit.id && u.stationId !== unit.stationId && chosen.includes(keyOf(u))) ?? null;
}

/**
 * The ids to store: the chosen units the picker shows (with a station, only its units), plus ids
 * the sector named that match no unit at all (a roster not yet synced must not lose them).
 */
export function pickedIds(
  chosen: readonly string[],
  units: readonly Unit[],
  stationId: string | null,
  stored: readonly string[],
): string[] {
  const shown = pickerUnits(units, stationId).filter((u) => chosen.includes(keyOf(u)));
  const unknown = stored.filter((id) => !units.some((u) => u.id === id));
  return [...new Set([...shown.map((u) => u.id), ...unknown])];
}

/** The unit records behind the chosen keys that the picker shows. */
export function chosenUnits(chosen: readonly string[], units: readonly Unit[], stationId: string | null): Unit[] {
  return pickerUnits(units, stationId).filter((u) => chosen.includes(keyOf(u)));
}

/** What sending a sector's units to the search's task did. */
export interface SectorDispatch {
  /** Sent to the task now (en route). */
  sent: Unit[];
  /** Not sent, and why: this account may not move them, or they are off duty. */
  refused: Array<{ unit: Unit; block: DispatchBlock }>;
  /** Station documents whose write failed. */
  failed: Array<{ stationId: string; message: string }>;
}

/**
 * A unit given a sector sweeps it for the search's task, so it is put on that task (en route),
 * one write per station document, where this account may write the unit's station (a commander:
 * every station). Units already on the task are left as they are; one on another task is moved
 * (the commander chose it for this sector). Without this the unit stayed available, could be sent
 * elsewhere, and its drive there counted as sweep.
 */
export function dispatchSectorUnits(
  session: Pick<OperationSession, 'user' | 'canWrite' | 'write'>,
  units: readonly Unit[],
  taskId: string,
  now: number,
): SectorDispatch {
  const out: SectorDispatch = { sent: [], refused: [], failed: [] };
  const movable: Unit[] = [];
  for (const unit of units) {
    if (unit.assignedTaskId === taskId && unit.status !== 'available' && unit.status !== 'off_duty') continue;
    const block = dispatchBlock(session as OperationSession, unit);
    if (block) out.refused.push({ unit, block });
    else movable.push(unit);
  }
  for (const [stationId, change] of dispatchChanges(movable, taskId, now)) {
    try {
      session.write(stationId, change);
      out.sent.push(...movable.filter((u) => u.stationId === stationId));
    } catch (err) {
      out.failed.push({ stationId, message: writeErrorText(err) });
    }
  }
  return out;
}
