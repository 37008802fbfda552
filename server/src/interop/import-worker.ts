import { isMainThread, parentPort, workerData } from 'node:worker_threads';
// Modules of shared/ by path, not its index: the worker loads only what it runs (not turf).
import { AppError, type ErrorCode } from '@jointmap/shared/errors';
import type { Annotation } from '@jointmap/shared/schema/annotation';
import type { ConvertOptions } from './import-convert.ts';
import type { ImportFormat } from './import-parse.ts';

/**
 * The worker-thread side of an import (`runImport` in ./import-run.ts starts it): reads the file
 * (`parseImport`) and makes its annotations (`convertFeatures`), which takes seconds and hundreds
 * of MB for a large file, away from the event loop that serves sync and positions. It posts one
 * `ImportOutcome` back and ends. The result comes as JSON text, ready to send: copying a string
 * between threads is cheap, while the annotations as objects (half a million positions for 13.6 MiB
 * of KML) took the main thread seconds to receive and as long again to serialize. Only an import
 * that is applied gets them as objects too, to write them.
 *
 * This module is both the worker's entry file and what tells the main thread where that file is:
 * `IMPORT_WORKER_URL` is the URL it was loaded from, the `.ts` source under the TypeScript loader
 * (dev, tests) and its own chunk of server/dist once bundled (scripts/build-server.mjs makes each
 * `await import()` a chunk). Loading it on the main thread only reads that URL; the parser and
 * converter are imported inside the worker.
 */

/** What the main thread sends: the file and how to read it. */
export interface ImportJob {
  bytes: Uint8Array;
  maxBytes: number;
  maxFeatures: number;
  convert: ConvertOptions;
  /** Whether the annotations are wanted as objects too (to write them), not only as JSON. */
  withAnnotations: boolean;
}

/**
 * What the worker posts back: the annotations, or the refusal (a catalog code) or failure (no code:
 * the worker itself failed). `fault` is the stack of an error the file made the reader or converter
 * throw, refused as `INVALID_PAYLOAD` but a fault of ours or a library's, to be logged.
 */
export type ImportOutcome =
  | {
      ok: true;
      format: ImportFormat;
      /** How many annotations the file makes, and what it skipped, by reason. */
      count: number;
      skipped: Record<string, number>;
      /** The whole `Converted` as JSON. */
      json: string;
      annotations: Annotation[] | null;
    }
  | { ok: false; code: ErrorCode | null; message: string; fault?: string };

/** `workerData.task` of an import worker (a worker started for anything else ignores this module). */
export const IMPORT_TASK = 'jointmap-import';

// Read through a variable: the bundler rewrites the literal property to the source file's URL.
const meta = import.meta;
export const IMPORT_WORKER_URL: string = meta.url;

if (!isMainThread && (workerData as { task?: unknown } | null)?.task === IMPORT_TASK) {
  void run((workerData as { job: ImportJob }).job).then((outcome) => parentPort!.postMessage(outcome));
}

async function run(job: ImportJob): Promise<ImportOutcome> {
  let modules;
  try {
    modules = await Promise.all([import('./import-parse.ts'), import('./import-convert.ts')]);
  } catch (err) {
    return { ok: false, code: null, message: (err as Error).message ?? String(err) };
  }
  const [{ parseImport }, { convertFeatures }] = modules;
  try {
    const { format, collection } = parseImport(job.bytes, job.maxBytes, job.maxFeatures);
    const converted = convertFeatures(collection, job.convert);
    return {
      ok: true,
      format,
      count: converted.annotations.length,
      skipped: converted.skipped,
      json: JSON.stringify(converted),
      annotations: job.withAnnotations ? converted.annotations : null,
    };
  } catch (err) {
    if (err instanceof AppError) {
      const { cause } = err as { cause?: unknown };
      return { ok: false, code: err.code, message: err.message, ...(cause ? { fault: stackOf(cause) } : {}) };
    }
    // Whatever else reading or converting throws was made by the file: refused, worded, and logged.
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return {
      ok: false,
      code: 'INVALID_PAYLOAD',
      message: `the file cannot be read: ${message}`,
      fault: stackOf(err),
    };
  }
}

const stackOf = (err: unknown): string => (err instanceof Error ? (err.stack ?? err.message) : String(err));
