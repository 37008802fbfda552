import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { ArchiveStore, Operation, OperationStore } from '../storage/types.ts';
import { purgeWindows } from './purge-windows.ts';

/** A purged (so closed) operation, as its fixes' deletion needs it. */
export type PurgedOperation = Pick<Operation, 'id' | 'stations' | 'createdAt'> & { closedAt: number };

/**
 * Delete a purged operation's fixes, `batch` at a time: those of its stations within its window,
 * less the windows of other operations that are not purged (purge-windows.ts), and only those the
 * server had received when `archive` was written (a late tracker's fixes are in no archive:
 * kept). Idempotent, so a purge a crash cut short simply runs it again. `beforeBatch` runs before
 * each batch and throws to stop there (the server stops). Returns how many fixes went (by this run
 * or another run of the same purge), or null when a batch found that the purge is not to go on
 * (`dropPurgedFixes`: held as evidence, being restored, or no longer under way with this archive,
 * on any instance). What is left stays.
 */
export async function purgeFixes(
  storage: Pick<ArchiveStore, 'trackUnitsOfStation' | 'dropPurgedFixes'> & Pick<OperationStore, 'listOperations'>,
  op: PurgedOperation,
  archive: { id: string; createdAt: number },
  batch: number,
  beforeBatch: () => void,
): Promise<number | null> {
  let fixes = 0;
  const others = (await storage.listOperations()).filter((o) => o.id !== op.id && o.purgedAt == null);
  for (const stationId of op.stations) {
    const windows = purgeWindows({ from: op.createdAt, to: op.closedAt + 1 }, stationId, others);
    if (!windows.length) continue;
    for (const unitId of await storage.trackUnitsOfStation(stationId)) {
      for (const w of windows) {
        for (;;) {
          beforeBatch();
          const purge = { operationId: op.id, archiveId: archive.id };
          const n = await storage.dropPurgedFixes(purge, stationId, unitId, w.from, w.to, archive.createdAt, batch);
          if (n === null) return null;
          fixes += n;
          // `n` counts the rows the batch found, whether it or another run of the same purge (a
          // restart resuming it while the request's run goes on) deleted them: fewer than asked
          // for, none are left.
          if (n < batch) break;
          await yieldToEventLoop();
        }
      }
    }
  }
  return fixes;
}
