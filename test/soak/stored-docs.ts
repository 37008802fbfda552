/**
 * What the server had made durable, read straight from its data dir while it is down: the files
 * are copied first, so the restarted server recovers from exactly what the kill left behind.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Y from 'yjs';
import { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import { docFromStored } from '@jointmap/server/storage/stored-doc';

export async function readStoredDocs(dataDir: string, names: readonly string[]): Promise<Map<string, Y.Doc>> {
  const copy = mkdtempSync(join(tmpdir(), 'jointmap-soak-check-'));
  try {
    cpSync(dataDir, copy, { recursive: true });
    const storage = new SqliteStorage(copy);
    try {
      const docs = new Map<string, Y.Doc>();
      for (const name of names) {
        const stored = await storage.loadDoc(name);
        docs.set(name, docFromStored(stored));
      }
      return docs;
    } finally {
      await storage.close();
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}
