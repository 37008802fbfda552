import { isMainThread, parentPort, workerData } from 'node:worker_threads';
// Modules of shared/ by path, not its index: the worker loads only what it runs (not turf).
import { AppError, type ErrorCode } from '@jointmap/shared/errors';
import type { ExportDoc, ExportWhat } from './export-collection.ts';
import type { ExportFormat } from './export-types.ts';

/**
 * The worker-thread side of an export (`exportRunner` in ./export-run.ts starts it): rebuilds the
 * stored documents, makes their features (`exportCollection`) and writes the file
 * (`formatExport`), which for 2,000 tracks of 250 points is a second of work (and took 5–22 s
 * with the document-tree writers) that the event loop serving sync and positions never sees. It
 * posts one `ExportOutcome` back and ends: the file as UTF-8 bytes, whose buffer is moved to the
 * main thread (not copied) and sent as it is.
 *
 * Like ./import-worker.ts, this module is both the worker's entry file and what tells the main
 * thread where that file is (`EXPORT_WORKER_URL`: the `.ts` source under the TypeScript loader,
 * its own chunk of server/dist once bundled).
 */

/** What the main thread sends: the documents and how to write them. */
export interface ExportJob {
  what: ExportWhat;
  format: ExportFormat;
  /** The document's own name (a GPX file's metadata). */
  title: string;
  /** When the file is written (epoch ms). */
  now: number;
  docs: ExportDoc[];
}

/** What the worker posts back: the file, or the refusal (a catalog code) or failure (no code). */
export type ExportOutcome =
  { ok: true; file: Uint8Array } | { ok: false; code: ErrorCode | null; message: string; fault?: string };

/** `workerData.task` of an export worker (a worker started for anything else ignores this module). */
export const EXPORT_TASK = 'jointmap-export';

// Read through a variable: the bundler rewrites the literal property to the source file's URL.
const meta = import.meta;
export const EXPORT_WORKER_URL: string = meta.url;

if (!isMainThread && (workerData as { task?: unknown } | null)?.task === EXPORT_TASK) {
  void run((workerData as { job: ExportJob }).job).then((outcome) =>
    parentPort!.postMessage(outcome, outcome.ok ? [outcome.file.buffer as ArrayBuffer] : []),
  );
}

/** The export, written (on the worker; in-process in tests of the writers). */
export async function run(job: ExportJob): Promise<ExportOutcome> {
  try {
    const [{ exportCollection }, { formatExport }] = await Promise.all([
      import('./export-collection.ts'),
      import('./export-format.ts'),
    ]);
    const text = formatExport(exportCollection(job.what, job.docs), job.format, job.title, job.now);
    // Its own buffer (not a slice of Node's pool), to be moved to the main thread.
    return { ok: true, file: new TextEncoder().encode(text) };
  } catch (err) {
    if (err instanceof AppError) return { ok: false, code: err.code, message: err.message };
    return {
      ok: false,
      code: null,
      message: err instanceof Error ? err.message : String(err),
      fault: err instanceof Error ? (err.stack ?? err.message) : String(err),
    };
  }
}
