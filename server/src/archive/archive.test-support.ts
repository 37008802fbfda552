import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import { docName } from '@jointmap/shared';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import type { ArchiveRecord, Operation } from '../storage/types.ts';
import { writeArchive } from './archive-writer.ts';

/** A closed operation, its SQLite store and data directory, and the archive written of it. */
export interface WrittenArchive {
  dataDir: string;
  storage: SqliteStorage;
  op: Operation & { closedAt: number };
  record: ArchiveRecord;
  /** The archive file. */
  file: string;
}

/**
 * A closed operation of `stations` whose every document has `updates` annotations (each label
 * `labelBytes` long), archived into a fresh data directory. Registers the store's closing and the
 * directory's removal with `onDone`.
 */
export async function writtenArchive(
  onDone: (cleanup: () => Promise<void>) => void,
  options: { id?: string; stations?: string[]; updates?: number; labelBytes?: number } = {},
): Promise<WrittenArchive> {
  const { id = 'op-archive', stations = ['deqing'], updates = 3, labelBytes = 10 } = options;
  const dataDir = mkdtempSync(join(tmpdir(), 'jointmap-archive-'));
  const storage = new SqliteStorage(dataDir);
  onDone(async () => {
    await storage.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const op: Operation & { closedAt: number } = {
    id,
    name: '归档',
    kind: 'search',
    status: 'closed',
    stations,
    createdBy: 'u-commander',
    createdAt: 1_000,
    closedAt: 9_000,
  };
  await storage.createOperation(op);
  for (const scope of ['command', ...stations]) {
    const doc = new Y.Doc();
    const written: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => written.push(u));
    for (let i = 0; i < updates; i++)
      doc.getMap('annotations').set(`a${i}`, { id: `a${i}`, label: `${scope} ${i} `.padEnd(labelBytes, 'x') });
    for (const u of written)
      await storage.appendUpdate(docName(id, scope), u, { sessionId: null, userId: 'u-commander' });
  }
  const record = await writeArchive({
    storage,
    archiveDir: join(dataDir, 'archives'),
    instance: 'test',
    operation: op,
    createdBy: 'u-commander',
    now: 10_000,
  });
  return { dataDir, storage, op, record, file: join(dataDir, 'archives', record.file) };
}
