import { AppError } from '@jointmap/shared';
import type { ImportJob, ImportOutcome } from './import-worker.ts';
import { runOnWorker, workerTurns, type WorkerLimits } from './worker-run.ts';

/** Limits of the import workers of one server (`maxWaiting`: each waiting import holds its file, up to `IMPORT_MAX_MIB`). */
export type ImportRunnerLimits = WorkerLimits;

/**
 * 20 MiB of KML (the default `IMPORT_MAX_MIB`) with 5,000 tracks reads in a few seconds and well
 * under 1 GB; a file that takes longer or more is not one to import in one piece.
 */
export const IMPORT_LIMITS: ImportRunnerLimits = {
  concurrency: 2,
  maxWaiting: 6,
  timeLimitMs: 60_000,
  maxHeapMb: 1024,
};

/** What a file makes: the worker's answer when it could be read. */
export type ImportRead = Extract<ImportOutcome, { ok: true }>;

export type RunImport = (job: ImportJob) => Promise<ImportRead>;

/**
 * Runs imports on worker threads (./import-worker.ts), so that reading and converting a large file
 * never stalls the event loop (13.6 MiB of KML held it 6–9 s on the main thread). Each import gets
 * a fresh worker, ended with it, with a time limit and a heap limit: either refuses the file with
 * `PAYLOAD_TOO_LARGE`. At most `concurrency` run at once, up to `maxWaiting` more queue, and any
 * beyond are refused at once with `RATE_LIMITED` (./worker-run.ts, shared with exports). What the
 * file made the reader throw is refused with `INVALID_PAYLOAD` and its stack given to `onFault`
 * (to log). One runner per server.
 */
export function importRunner(
  limits: ImportRunnerLimits = IMPORT_LIMITS,
  onFault: (stack: string) => void = () => {},
): RunImport {
  const turn = workerTurns(limits, (others) => `the server is reading ${others} other imports: try again in a minute`);
  return (job) =>
    turn(async () => {
      const { IMPORT_WORKER_URL, IMPORT_TASK } = await import('./import-worker.ts');
      const outcome = await runOnWorker<ImportOutcome>(IMPORT_WORKER_URL, { task: IMPORT_TASK, job }, limits, {
        slow: `the file took more than ${limits.timeLimitMs / 1000} s to read: import it in smaller parts`,
        big: 'the file needs more memory to read than an import may use',
      });
      if (outcome.ok) return outcome;
      if (outcome.fault) onFault(outcome.fault);
      throw outcome.code ? new AppError(outcome.code, outcome.message) : new Error(outcome.message);
    });
}
