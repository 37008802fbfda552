import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docName, type AppError } from '@jointmap/shared';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import type { Operation } from '../storage/types.ts';
import { documentFile } from './archive-format.ts';
import { openArchive, type OpenedArchive } from './archive-reader.ts';
import { verifyArchive } from './archive-restore.ts';
import { writeArchive } from './archive-writer.ts';

const OP = 'op-verify';
const STATIONS = ['deqing', 'linping'];
const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

/** A closed operation of two stations, each document written in `updates` steps, archived and opened. */
async function openedArchive(updates: number): Promise<OpenedArchive> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jointmap-archive-'));
  const storage = new SqliteStorage(dataDir);
  closing.push(async () => {
    await storage.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const op: Operation & { closedAt: number } = {
    id: OP,
    name: '核验',
    kind: 'search',
    status: 'closed',
    stations: STATIONS,
    createdBy: 'u-commander',
    createdAt: 1_000,
    closedAt: 9_000,
  };
  await storage.createOperation(op);
  for (const scope of ['command', ...STATIONS]) {
    const doc = new Y.Doc();
    const written: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => written.push(u));
    for (let i = 0; i < updates; i++) doc.getMap('annotations').set(`a${i}`, { id: `a${i}`, label: `${scope} ${i}` });
    for (const u of written)
      await storage.appendUpdate(docName(OP, scope), u, { sessionId: null, userId: 'u-commander' });
  }
  const archiveDir = join(dataDir, 'archives');
  const record = await writeArchive({
    storage,
    archiveDir,
    instance: 'test',
    operation: op,
    createdBy: 'u-commander',
    now: 10_000,
  });
  const archive = await openArchive(join(archiveDir, record.file), dataDir, 2 ** 30);
  closing.push(() => archive.close());
  return archive;
}

/** Rewrite the lines of a document of the opened archive (after its checksums were checked). */
function rewrite(archive: OpenedArchive, scope: string, change: (lines: Array<Record<string, unknown>>) => void): void {
  const file = join(archive.dir, documentFile(scope));
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  change(lines);
  writeFileSync(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
}

const refusal = (archive: OpenedArchive) =>
  verifyArchive(archive).then(
    () => null,
    (err: AppError) => [err.code, err.message],
  );

describe('verifyArchive of a many-document archive', () => {
  it('passes a whole archive and hands back no logs (a purge only needs to know)', async () => {
    const archive = await openedArchive(20);
    expect(archive.manifest.documents.map((d) => d.updates)).toEqual([20, 20, 20]);
    await expect(verifyArchive(archive)).resolves.toBeUndefined();
  });

  it('refuses a later document that does not build, though the documents before it are whole', async () => {
    const archive = await openedArchive(20);
    // The last document's first update replaced by its second: as many, in order, one missing.
    rewrite(archive, 'linping', (lines) => (lines[0]!.update = lines[1]!.update));
    expect(await refusal(archive)).toEqual([
      'ARCHIVE_INVALID',
      `${OP}/linping: the update log does not build the document (updates are missing)`,
    ]);
  });

  it('refuses a later document out of order before one that does not build, as when read whole', async () => {
    const archive = await openedArchive(20);
    rewrite(archive, 'deqing', (lines) => {
      lines[0]!.update = lines[1]!.update;
      lines[15]!.seq = lines[14]!.seq;
    });
    expect(await refusal(archive)).toEqual(['ARCHIVE_INVALID', `${OP}/deqing: updates out of order at 15`]);
  });

  it('refuses a later document with an update that is not Yjs, or fewer updates than the manifest', async () => {
    const broken = await openedArchive(5);
    rewrite(broken, 'linping', (lines) => (lines[2]!.update = Buffer.from('not an update').toString('base64')));
    expect(await refusal(broken)).toEqual([
      'ARCHIVE_INVALID',
      expect.stringMatching(new RegExp(`^${OP}/linping: the update log does not build the document`)),
    ]);
    const short = await openedArchive(5);
    rewrite(short, 'deqing', (lines) => lines.pop());
    expect(await refusal(short)).toEqual(['ARCHIVE_INVALID', `${OP}/deqing: 4 updates, the manifest says 5`]);
  });
});
