import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { AppError } from '@jointmap/shared';
import type { ArchiveStore, Operation, OperationStore } from '../storage/types.ts';
import { purgeWindows } from './purge-windows.ts';

/** A purged (so closed) operation, as its fixes' deletion needs it. */
export type PurgedOperation = Pick<Operation, 'id' | 'stations' | 'createdAt'> & { closedAt: number };

/**
 * Delete a purged operation's fixes, `batch` at a time: those of its stations within its window,
 * less the windows of other operations that are not purged (purge-windows.ts), and only those the
 * server had received when `archive` was written (a late tracker's fixes are in no archive:
 * kept). Idempotent, so a purge a crash cut short simply runs it again. `beforeBatch` runs before
 * each batch and throws to stop there (the server stops). A batch stops the purge (`CONFLICT`) when
 * the store says it is not to go on: held as evidence, restored or being restored, on any instance
 * (`dropPurgedFixes`). What is left stays for the next run.
 */
export async function purgeFixes(
  storage: Pick<ArchiveStore, 'trackUnitsOfStation' | 'dropPurgedFixes'> & Pick<OperationStore, 'listOperations'>,
  op: PurgedOperation,
  archive: { id: string; createdAt: number },
  batch: number,
  beforeBatch: () => void,
): Promise<number> {
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
          if (n === null)
            throw new AppError(
              'CONFLICT',
              `the purge of ${op.id} stopped: it is held as evidence or being restored (lift the hold to finish it)`,
            );
          fixes += n;
          if (n < batch) break;
          await yieldToEventLoop();
        }
      }
    }
  }
  return fixes;
}
