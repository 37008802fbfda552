import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AppError } from '@jointmap/shared';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_PATH,
  ARCHIVE_VERSION,
  archivedOperationValidator,
  MANIFEST,
  manifestValidator,
  OPERATION_FILE,
  type ArchivedOperation,
  type Manifest,
} from './archive-format.ts';
import { MAX_LINE_BYTES, splitLines } from './split-lines.ts';

const invalid = (message: string) => new AppError('ARCHIVE_INVALID', message);

/** The manifest lists at most 64 files and 60 documents: a few KiB. */
const MAX_MANIFEST_BYTES = 2 ** 20;

/** How an archive is read. */
export interface ArchiveReadOptions {
  /** The longest line of a record file, in bytes (default {@link MAX_LINE_BYTES}; tests make it small). */
  maxLineBytes?: number;
  /** Name of the unpacking directory under `workDir`, before its random part (default `.reading-`). */
  prefix?: string;
}

interface ArchiveReadLimits {
  maxLineBytes: number;
}

/** An archive unpacked into a temporary directory and checked against its manifest. */
export interface OpenedArchive {
  dir: string;
  manifest: Manifest;
  operation: ArchivedOperation;
  /** Each line of a file of the archive, parsed (and checked by `validate`). */
  lines<T>(path: string, validate: { explain(value: unknown): string | null }): AsyncGenerator<T>;
  close(): Promise<void>;
}

/**
 * Unpack `file` into a temporary directory under `workDir` and verify it: only the paths the
 * format allows, only plain files, at most `maxBytes` unpacked, a manifest of this format and
 * version, and every file's size and SHA-256 as the manifest says (nothing extra, nothing
 * missing). Throws `ARCHIVE_INVALID` (and leaves nothing behind) otherwise. Records are checked
 * as they are read (`lines`).
 */
export async function openArchive(
  file: string,
  workDir: string,
  maxBytes: number,
  options: ArchiveReadOptions = {},
): Promise<OpenedArchive> {
  const limits: ArchiveReadLimits = { maxLineBytes: options.maxLineBytes ?? MAX_LINE_BYTES };
  const dir = await mkdtemp(join(workDir, options.prefix ?? '.reading-'));
  try {
    const opened = await unpackAndVerify(file, dir, maxBytes, limits);
    return {
      ...opened,
      dir,
      lines: (path, validate) => readLines(dir, path, validate, limits),
      close: () => removeDir(dir),
    };
  } catch (err) {
    await removeDir(dir);
    // Whatever a broken file makes the unpacking trip over is the file's fault, not the server's.
    throw err instanceof AppError ? err : invalid(`not a readable archive: ${(err as Error).message}`);
  }
}

async function unpackAndVerify(
  file: string,
  dir: string,
  maxBytes: number,
  limits: ArchiveReadLimits,
): Promise<{ manifest: Manifest; operation: ArchivedOperation }> {
  // tar is loaded on the first archive read, not at start-up (server memory).
  const tar = await import('tar');
  let unpacked = 0;
  const seen = new Set<string>();
  const source = createReadStream(file);
  // The first problem ends the unpacking at once: a bad archive is never read to its end.
  let refusal: AppError | null = null;
  const stop = (err: AppError): false => {
    refusal ??= err;
    source.destroy(err);
    return false;
  };
  const unpack = new tar.Unpack({
    cwd: dir,
    strict: true,
    preservePaths: false,
    filter: (path, entry) => {
      const type = 'type' in entry ? entry.type : 'File';
      const size = 'size' in entry ? (entry.size ?? 0) : 0;
      if (type === 'Directory' && /^documents\/?$/.test(path)) return true;
      if (type !== 'File' || (path !== MANIFEST && !ARCHIVE_PATH.test(path)))
        return stop(invalid(`unexpected entry ${path} (${type})`));
      if (seen.has(path)) return stop(invalid(`${path} appears twice`));
      seen.add(path);
      unpacked += size;
      if (unpacked > maxBytes)
        return stop(
          new AppError('PAYLOAD_TOO_LARGE', `the archive unpacks to more than ${Math.round(maxBytes / 2 ** 20)} MiB`),
        );
      return true;
    },
  });
  try {
    await pipeline(source, unpack);
  } catch (err) {
    throw refusal ?? invalid(`not a readable archive (.tar.gz): ${(err as Error).message}`);
  }
  if (refusal) throw refusal;
  if (!seen.has(MANIFEST)) throw invalid('no manifest.json');

  if ((await stat(join(dir, MANIFEST))).size > MAX_MANIFEST_BYTES) throw invalid('manifest.json is too large');
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8'));
  } catch {
    throw invalid('manifest.json is not JSON');
  }
  const m = manifest as Partial<Manifest> | null;
  if (m?.format !== ARCHIVE_FORMAT) throw invalid('not an operation archive (format)');
  if (m.version !== ARCHIVE_VERSION) throw invalid(`archive version ${String(m.version)} is not supported`);
  const problem = manifestValidator.explain(manifest);
  if (problem) throw invalid(`manifest.json ${problem}`);
  const checked = manifest as Manifest;

  const listed = new Set(checked.files.map((f) => f.path));
  for (const path of seen) if (path !== MANIFEST && !listed.has(path)) throw invalid(`${path} is not in the manifest`);
  for (const f of checked.files) {
    if (!seen.has(f.path)) throw invalid(`${f.path} is missing`);
    const full = join(dir, f.path);
    const size = (await stat(full)).size;
    if (size !== f.bytes) throw invalid(`${f.path}: ${size} bytes, the manifest says ${f.bytes}`);
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(full)) hash.update(chunk as Buffer);
    if (hash.digest('hex') !== f.sha256) throw invalid(`${f.path}: checksum does not match the manifest`);
  }

  const [operation] = await collect<ArchivedOperation>(
    readLines(dir, OPERATION_FILE, archivedOperationValidator, limits),
  );
  if (!operation) throw invalid('operation.json is empty');
  if (operation.operation.id !== checked.operationId) throw invalid('operation.json names another operation');
  return { manifest: checked, operation };
}

/**
 * Remove an unpacking directory. An unpacking stopped half-way may still be closing files, so a
 * few retries; what is left after them goes with the sweep at the next start.
 */
const removeDir = (dir: string) =>
  rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }).catch(() => undefined);

async function* readLines<T>(
  dir: string,
  path: string,
  validate: { explain(value: unknown): string | null },
  limits: ArchiveReadLimits,
): AsyncGenerator<T> {
  const max = limits.maxLineBytes;
  const size = max % 2 ** 20 ? `${max} bytes` : `${max / 2 ** 20} MiB`;
  const lines = splitLines(createReadStream(join(dir, path)) as AsyncIterable<Buffer>, limits.maxLineBytes, (line) =>
    invalid(`${path} line ${line}: longer than ${size}`),
  );
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw invalid(`${path} line ${n}: not JSON`);
    }
    const problem = validate.explain(value);
    if (problem) throw invalid(`${path} line ${n}: ${problem}`);
    yield value as T;
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
