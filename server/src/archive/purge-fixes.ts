import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { ArchiveStore, Operation, OperationStore } from '../storage/types.ts';
import { purgeWindows } from './purge-windows.ts';

/** A purged (so closed) operation, as its fixes' deletion needs it. */
export type PurgedOperation = Pick<Operation, 'id' | 'stations' | 'createdAt'> & { closedAt: number };

/**
 * Delete a purged operation's fixes, `batch` at a time: those of its stations within its window,
 * less the windows of other operations that are not purged (purge-windows.ts), and only those the
 * server had received when the archive was written at `archivedAt` (a late tracker's fixes are in
 * no archive: kept). Idempotent, so a purge a crash cut short simply runs it again. `beforeBatch`
 * runs before each batch and throws to stop there (the server stops, or an evidence hold was set):
 * the rest is left for the next run.
 */
export async function purgeFixes(
  storage: Pick<ArchiveStore, 'trackUnitsOfStation' | 'dropFixesBetween'> & Pick<OperationStore, 'listOperations'>,
  op: PurgedOperation,
  archivedAt: number,
  batch: number,
  beforeBatch: () => Promise<void>,
): Promise<number> {
  let fixes = 0;
  const others = (await storage.listOperations()).filter((o) => o.id !== op.id && o.purgedAt == null);
  for (const stationId of op.stations) {
    const windows = purgeWindows({ from: op.createdAt, to: op.closedAt + 1 }, stationId, others);
    if (!windows.length) continue;
    for (const unitId of await storage.trackUnitsOfStation(stationId)) {
      for (const w of windows) {
        for (;;) {
          await beforeBatch();
          const n = await storage.dropFixesBetween(stationId, unitId, w.from, w.to, archivedAt, batch);
          fixes += n;
          if (n < batch) break;
          await yieldToEventLoop();
        }
      }
    }
  }
  return fixes;
}
