import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppError } from '@jointmap/shared';
import { archivedUpdateValidator, documentFile, OPERATION_FILE } from './archive-format.ts';
import { openArchive } from './archive-reader.ts';
import { verifyArchive } from './archive-restore.ts';
import { writtenArchive } from './archive.test-support.ts';
import { splitLines } from './split-lines.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const done of cleanups.splice(0).reverse()) await done();
});

const refusalOf = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (err: AppError) => [err.code, err.message],
  );

async function lines(chunks: string[] | Buffer[], max = 100): Promise<string[]> {
  const out: string[] = [];
  const source = Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
  for await (const line of splitLines(source, max, (n) => new Error(`line ${n} too long`))) out.push(line);
  return out;
}

describe('splitLines', () => {
  it('splits at \\n across chunks, drops a \\r before it, keeps empty lines and a last line without \\n', async () => {
    expect(await lines(['{"a":1}\r\n{"b"', ':2}\n\n', 'tail'])).toEqual(['{"a":1}', '{"b":2}', '', 'tail']);
    expect(await lines(['x\n'])).toEqual(['x']);
    expect(await lines([])).toEqual([]);
  });

  it('decodes a character whose bytes arrive in two chunks whole', async () => {
    const text = Buffer.from('演练\n');
    expect(await lines([text.subarray(0, 4), text.subarray(4)])).toEqual(['演练']);
  });

  it('refuses a line past the limit as soon as it passes it, with its number, however it is chunked', async () => {
    await expect(lines(['ok\n', 'x'.repeat(60), 'x'.repeat(60)])).rejects.toThrow('line 2 too long');
    await expect(lines([`${'y'.repeat(101)}\n`])).rejects.toThrow('line 1 too long');
    expect(await lines([`${'y'.repeat(100)}\n`])).toEqual(['y'.repeat(100)]);
  });
});

describe('openArchive: the longest line', () => {
  it('refuses a record line longer than the limit with ARCHIVE_INVALID, naming the file and line', async () => {
    const { dataDir, file } = await writtenArchive((done) => cleanups.push(done), { updates: 3, labelBytes: 4096 });
    const archive = await openArchive(file, dataDir, 2 ** 30, { maxLineBytes: 2048 });
    cleanups.push(() => archive.close());
    expect(await refusalOf(verifyArchive(archive))).toEqual([
      'ARCHIVE_INVALID',
      `${documentFile('command')} line 1: longer than 2048 bytes`,
    ]);
    const reading = (async () => {
      for await (const _ of archive.lines(documentFile('deqing'), archivedUpdateValidator));
    })();
    expect(await refusalOf(reading)).toEqual([
      'ARCHIVE_INVALID',
      `${documentFile('deqing')} line 1: longer than 2048 bytes`,
    ]);
  });

  it('refuses an operation.json longer than the limit when opening, and leaves no unpacking behind', async () => {
    const { dataDir, file } = await writtenArchive((done) => cleanups.push(done));
    expect(await refusalOf(openArchive(file, dataDir, 2 ** 30, { maxLineBytes: 64 }))).toEqual([
      'ARCHIVE_INVALID',
      `${OPERATION_FILE} line 1: longer than 64 bytes`,
    ]);
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(dataDir).filter((n) => n.startsWith('.reading-'))).toEqual([]);
  });

  it('reads lines up to the limit', async () => {
    const { dataDir, file } = await writtenArchive((done) => cleanups.push(done), { updates: 3, labelBytes: 1024 });
    const archive = await openArchive(file, dataDir, 2 ** 30, { maxLineBytes: 4096 });
    cleanups.push(() => archive.close());
    await expect(verifyArchive(archive)).resolves.toBeUndefined();
  });
});
