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

/** What the worker posts back: the annotations, or the refusal (a catalog code) or failure. */
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
  | { ok: false; code: ErrorCode | null; message: string };

/** `workerData.task` of an import worker (a worker started for anything else ignores this module). */
export const IMPORT_TASK = 'jointmap-import';

// Read through a variable: the bundler rewrites the literal property to the source file's URL.
const meta = import.meta;
export const IMPORT_WORKER_URL: string = meta.url;

if (!isMainThread && (workerData as { task?: unknown } | null)?.task === IMPORT_TASK) {
  void run((workerData as { job: ImportJob }).job).then((outcome) => parentPort!.postMessage(outcome));
}

async function run(job: ImportJob): Promise<ImportOutcome> {
  try {
    const { parseImport } = await import('./import-parse.ts');
    const { convertFeatures } = await import('./import-convert.ts');
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
    const e = err as Error;
    return { ok: false, code: err instanceof AppError ? err.code : null, message: e.message ?? String(err) };
  }
}
