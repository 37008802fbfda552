import { AppError } from '@jointmap/shared';
import type { ExportJob, ExportOutcome } from './export-worker.ts';
import { runOnWorker, workerTurns, type WorkerLimits } from './worker-run.ts';

/**
 * An operation's annotations or sectors write in about a second on a worker even at 2,000 tracks
 * of 250 points; more than a minute, or a gigabyte, is not an export to make in one piece. Each
 * waiting export holds its documents as stored.
 */
export const EXPORT_LIMITS: WorkerLimits = {
  concurrency: 2,
  maxWaiting: 4,
  timeLimitMs: 60_000,
  maxHeapMb: 1024,
};

/** Writes an export; resolves with the file. */
export type RunExport = (job: ExportJob) => Promise<Buffer>;

/**
 * Runs exports on worker threads (./export-worker.ts), as imports are run (./import-run.ts), so that
 * rebuilding the documents and writing a large file never stalls the event loop (2,000 tracks of 250
 * points held it 1–22 s by format when written on it). Each export gets a fresh worker with a
 * time and a heap limit (past either: `PAYLOAD_TOO_LARGE`); at most `concurrency` run at once, up to
 * `maxWaiting` more queue, and any beyond are refused at once with `RATE_LIMITED`. A failure of
 * the writer is given to `onFault` (to log). One runner per server.
 */
export function exportRunner(
  limits: WorkerLimits = EXPORT_LIMITS,
  onFault: (stack: string) => void = () => {},
): RunExport {
  const turn = workerTurns(limits, (others) => `the server is writing ${others} other exports: try again in a minute`);
  return (job) =>
    turn(async () => {
      const { EXPORT_WORKER_URL, EXPORT_TASK } = await import('./export-worker.ts');
      // Copies of exactly their bytes (a stored update may be a view of a larger buffer), moved to the worker.
      const docs = job.docs.map(({ scope, stored }) => ({
        scope,
        stored: {
          ...stored,
          snapshot: stored.snapshot && new Uint8Array(stored.snapshot),
          updates: stored.updates.map((u) => new Uint8Array(u)),
        },
      }));
      const buffers = docs.flatMap(({ stored }) =>
        [stored.snapshot, ...stored.updates].flatMap((u) => (u ? [u.buffer as ArrayBuffer] : [])),
      );
      const outcome = await runOnWorker<ExportOutcome>(
        EXPORT_WORKER_URL,
        { task: EXPORT_TASK, job: { ...job, docs } },
        limits,
        {
          slow: `the export took more than ${limits.timeLimitMs / 1000} s to write: export one document at a time (scope)`,
          big: 'the export needs more memory to write than an export may use: export one document at a time (scope)',
        },
        buffers,
      );
      if (outcome.ok) return Buffer.from(outcome.file.buffer, outcome.file.byteOffset, outcome.file.byteLength);
      if (outcome.fault) onFault(outcome.fault);
      throw outcome.code ? new AppError(outcome.code, outcome.message) : new Error(outcome.message);
    });
}
