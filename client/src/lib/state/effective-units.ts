import {
  effectiveUnit,
  unitReleases,
  type Task,
  type TaskResponse,
  type Unit,
  type UnitReleases,
} from '@jointmap/shared';

/** What reads an operation's records: the live session, or the replayed one. */
export interface RecordReader {
  records<T>(map: 'units' | 'tasks' | 'responses'): Array<{ scope: string; record: T }>;
}

/** `unitReleases` over the operation's tasks and answers: the tasks that ended, and each station's declines. */
export function releasesOf(reader: RecordReader): UnitReleases {
  return unitReleases(
    reader.records<Task>('tasks').map((r) => r.record),
    reader.records<TaskResponse>('responses').map((r) => r.record),
  );
}

/**
 * Every unit of the operation as every view shows it (`effectiveUnit`): one left on a task that
 * ended, or that its own station declined, reads as available with no task (off duty stays off
 * duty) until the server's release reaches this console; consoles write no release of their own.
 *
 * `copies` keeps the copy made of each such record, so the unit stays the same object while it
 * stays released, as an unchanged record does (the map redraws a marker only when its unit object
 * changes, `changedRecords`).
 */
export function effectiveUnitsOf(reader: RecordReader, copies?: WeakMap<Unit, Unit>): Unit[] {
  const releases = releasesOf(reader);
  return reader.records<Unit>('units').map(({ record }) => {
    const shown = effectiveUnit(record, releases);
    if (shown === record || !copies) return shown;
    const kept = copies.get(record);
    if (kept) return kept;
    copies.set(record, shown);
    return shown;
  });
}
