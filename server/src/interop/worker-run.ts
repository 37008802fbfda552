import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError } from '@jointmap/shared';

/** Limits of one kind of file work (imports, exports) of one server. */
export interface WorkerLimits {
  /** Jobs run at once; more wait their turn (each may hold `maxHeapMb`). */
  concurrency: number;
  /** Jobs that may wait for a turn, each holding its input; one more is refused at once with `RATE_LIMITED`. */
  maxWaiting: number;
  /** Longest one job may take; its worker is stopped then. */
  timeLimitMs: number;
  /** The worker's V8 heap; a job that needs more is refused. */
  maxHeapMb: number;
}

/** Runs a job when it has a turn (see {@link workerTurns}). */
export type Turns = <T>(job: () => Promise<T>) => Promise<T>;

/**
 * Turns for jobs of one kind: at most `concurrency` run at once, up to `maxWaiting` more queue, and
 * any beyond are refused at once with `RATE_LIMITED`, worded by `busy` (given how many others are
 * running or waiting). Whether a job runs, waits or is refused is decided when it is called.
 *
 * @example const turn = workerTurns(limits, (n) => `the server is reading ${n} other imports`); await turn(() => work());
 */
export function workerTurns(
  limits: Pick<WorkerLimits, 'concurrency' | 'maxWaiting'>,
  busy: (others: number) => string,
): Turns {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (job) => {
    if (running < limits.concurrency) running++;
    else if (waiting.length >= limits.maxWaiting) throw new AppError('RATE_LIMITED', busy(running + waiting.length));
    // A finished job hands its turn straight to the next waiting one (`running` unchanged).
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await job();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/** What a job past its limits is refused with (`PAYLOAD_TOO_LARGE`). */
export interface WorkerRefusals {
  /** It ran past `timeLimitMs`. */
  slow: string;
  /** It needed more than `maxHeapMb`. */
  big: string;
}

/**
 * Run a job on a fresh worker thread, ended with it: the module at `url` (a `.ts` source under
 * the TypeScript loader, its own chunk of the bundle in server/dist) reads `workerData` and posts
 * one answer, which this resolves with. Past the time or heap limit the worker is stopped and the
 * job refused with `PAYLOAD_TOO_LARGE`. `transferList` moves buffers of `workerData` instead of
 * copying them. The worker does not keep a server that shuts down waiting.
 */
export async function runOnWorker<T>(
  url: string,
  workerData: unknown,
  limits: Pick<WorkerLimits, 'timeLimitMs' | 'maxHeapMb'>,
  refusals: WorkerRefusals,
  transferList: ArrayBuffer[] = [],
): Promise<T> {
  // The sources need tsx in the worker too (dev and tests; `--import` in a worker's execArgv is not
  // applied on Node 20); the bundle's chunk is plain JavaScript.
  const tsx = url.endsWith('.ts') ? `(await import(${JSON.stringify(tsxApi())})).register();` : '';
  const worker = new Worker(`(async () => { ${tsx} await import(${JSON.stringify(url)}); })();`, {
    eval: true,
    workerData,
    transferList,
    resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb },
  });
  worker.unref();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<T>((resolve, reject) => {
      timer = setTimeout(() => reject(new AppError('PAYLOAD_TOO_LARGE', refusals.slow)), limits.timeLimitMs).unref();
      worker.once('message', resolve);
      worker.once('error', (err: Error & { code?: string }) =>
        reject(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new AppError('PAYLOAD_TOO_LARGE', refusals.big) : err),
      );
      worker.once('exit', (code) => reject(new Error(`the worker ended (${code}) before it answered`)));
    });
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
