import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { PurgeBatch } from '../storage/retention-types.ts';
import type { ArchiveStore, FixKey, Operation, OperationStore, PositionFix } from '../storage/types.ts';
import { archivedFixValidator, TRACKS_FILE } from './archive-format.ts';
import type { OpenedArchive } from './archive-reader.ts';
import { purgeWindows, type Window } from './purge-windows.ts';

/** A purged (so closed) operation, as its fixes' deletion needs it. */
export type PurgedOperation = Pick<Operation, 'id' | 'stations' | 'createdAt'> & { closedAt: number };

/**
 * Delete a purged operation's fixes, `batch` at a time: exactly the fixes its archive holds
 * (`tracks.ndjson`, read as it goes), less those within the windows of other operations of the
 * same station that are not purged (purge-windows.ts, as the purge starts). Another operation
 * sharing a station may be restored while the purge runs (its fixes written again, with the keys
 * this purge deletes), so each batch's transaction looks again and leaves what the others keep
 * then: the windows of operations not purged and of restores under way (`dropPurgedFixes`,
 * storage/purge-kept-spans.ts). A fix an operation that exists keeps stays as if the archive did
 * not hold it, until the retention policy takes it like any fix outside an evidence hold; one only
 * a restore under way keeps is told (`keptForRestores`), since that restore may yet fail, and the
 * caller runs the pass again later. A fix the archive does not hold stays, whenever and by
 * whichever instance it was received: one a tracker sent late, or one stamped before the archive
 * was written but stored after the archive had read its unit (a commit waiting for its group,
 * another instance's clock), which a cut-off by receiving time deleted unarchived. Idempotent, so
 * a purge a crash cut short simply runs it again. `beforeBatch` runs before each batch and throws
 * to stop there (the server stops). Returns what this run did: the batches' answers summed, its
 * `kept` counting too the archive's fixes left out as the purge started; or null when a batch
 * found that the purge is not to go on (`dropPurgedFixes`: held as evidence, being restored, or
 * no longer under way with this archive, on any instance). What is left stays.
 */
export async function purgeFixes(
  storage: Pick<ArchiveStore, 'dropPurgedFixes'> & Pick<OperationStore, 'listOperations'>,
  op: PurgedOperation,
  archive: { id: string; opened: OpenedArchive },
  batch: number,
  beforeBatch: () => void,
): Promise<PurgeBatch | null> {
  const others = (await storage.listOperations()).filter((o) => o.id !== op.id && o.purgedAt == null);
  const windows = new Map<string, Window[]>();
  const windowsOf = (stationId: string): Window[] => {
    let found = windows.get(stationId);
    if (!found) {
      found = op.stations.includes(stationId)
        ? purgeWindows({ from: op.createdAt, to: op.closedAt + 1 }, stationId, others)
        : [];
      windows.set(stationId, found);
    }
    return found;
  };
  const purge = { operationId: op.id, archiveId: archive.id };
  const done: PurgeBatch = { dropped: 0, kept: 0, keptForRestores: 0 };
  let unit = null as { stationId: string; unitId: string } | null;
  let keys: FixKey[] = [];
  /** Deletes the batch; false when the purge is not to go on. */
  const drop = async (): Promise<boolean> => {
    if (!unit || !keys.length) return true;
    beforeBatch();
    const n = await storage.dropPurgedFixes(purge, unit.stationId, unit.unitId, keys);
    keys = [];
    if (n === null) return false;
    done.dropped += n.dropped;
    done.kept += n.kept;
    done.keptForRestores += n.keptForRestores;
    await yieldToEventLoop();
    return true;
  };
  for await (const f of archive.opened.lines<PositionFix>(TRACKS_FILE, archivedFixValidator)) {
    if (!windowsOf(f.stationId).some((w) => f.time >= w.from && f.time < w.to)) {
      done.kept++;
      continue;
    }
    if (unit?.stationId !== f.stationId || unit.unitId !== f.unitId || keys.length >= batch) {
      if (!(await drop())) return null;
      unit = { stationId: f.stationId, unitId: f.unitId };
    }
    keys.push({ time: f.time, deviceId: f.deviceId });
  }
  return (await drop()) ? done : null;
}
