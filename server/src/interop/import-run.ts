import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError } from '@jointmap/shared';
import type { ImportJob, ImportOutcome } from './import-worker.ts';

/** Limits of the import workers of one server. */
export interface ImportRunnerLimits {
  /** Imports read at once; more wait their turn (each may hold `maxHeapMb`). */
  concurrency: number;
  /**
   * Imports that may wait for a turn, each holding its file (up to `IMPORT_MAX_MIB`); one more is
   * refused at once with `RATE_LIMITED`.
   */
  maxWaiting: number;
  /** Longest one file may take to read and convert; the worker is stopped then. */
  timeLimitMs: number;
  /** The worker's V8 heap; a file that needs more is refused. */
  maxHeapMb: number;
}

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
 * beyond are refused at once with `RATE_LIMITED`. What the file made the reader throw is refused
 * with `INVALID_PAYLOAD` and its stack given to `onFault` (to log). One runner per server.
 */
export function importRunner(
  limits: ImportRunnerLimits = IMPORT_LIMITS,
  onFault: (stack: string) => void = () => {},
): RunImport {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (job) => {
    if (running < limits.concurrency) running++;
    else if (waiting.length >= limits.maxWaiting)
      throw new AppError(
        'RATE_LIMITED',
        `the server is reading ${running + waiting.length} other imports: try again in a minute`,
      );
    // A finished import hands its turn straight to the next waiting one (`running` unchanged).
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await runInWorker(job, limits, onFault);
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

async function runInWorker(
  job: ImportJob,
  limits: ImportRunnerLimits,
  onFault: (stack: string) => void,
): Promise<ImportRead> {
  const { IMPORT_WORKER_URL, IMPORT_TASK } = await import('./import-worker.ts');
  // The sources need tsx in the worker too (dev and tests; `--import` in a worker's execArgv is not
  // applied on Node 20); the bundle's chunk is plain JavaScript.
  const tsx = IMPORT_WORKER_URL.endsWith('.ts') ? `(await import(${JSON.stringify(tsxApi())})).register();` : '';
  const worker = new Worker(`(async () => { ${tsx} await import(${JSON.stringify(IMPORT_WORKER_URL)}); })();`, {
    eval: true,
    workerData: { task: IMPORT_TASK, job },
    resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb },
  });
  // A server shutting down does not wait for an import in progress.
  worker.unref();
  let timer: NodeJS.Timeout | undefined;
  try {
    const outcome = await new Promise<ImportOutcome>((resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new AppError(
              'PAYLOAD_TOO_LARGE',
              `the file took more than ${limits.timeLimitMs / 1000} s to read: import it in smaller parts`,
            ),
          ),
        limits.timeLimitMs,
      ).unref();
      worker.once('message', resolve);
      worker.once('error', (err: Error & { code?: string }) =>
        reject(
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new AppError('PAYLOAD_TOO_LARGE', 'the file needs more memory to read than an import may use')
            : err,
        ),
      );
      worker.once('exit', (code) => reject(new Error(`the import worker ended (${code}) before it answered`)));
    });
    if (outcome.ok) return outcome;
    if (outcome.fault) onFault(outcome.fault);
    throw outcome.code ? new AppError(outcome.code, outcome.message) : new Error(outcome.message);
  } finally {
    clearTimeout(timer);
    void worker.terminate();
  }
}

/** The file URL of `tsx/esm/api` (whose `register()` loads TypeScript), a dependency of the server. */
function tsxApi(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports: { './esm/api': { import: { default: string } } };
  };
  return pathToFileURL(join(dirname(manifest), exports['./esm/api'].import.default)).href;
}
