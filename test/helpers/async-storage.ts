import { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import type { Storage } from '@jointmap/server/storage/types';

/**
 * The real SQLite storage whose document appends complete on a later turn of the event loop, as
 * a networked database's do (PostgreSQL): socket events such as a close can then run while a
 * room still has work queued. With `better-sqlite3` alone every append resolves within the same
 * turn and such races never show.
 */
export function asyncAppendStorage(dataDir: string, delayMs = 5): Storage {
  const storage = new SqliteStorage(dataDir);
  const append = storage.appendUpdate.bind(storage);
  storage.appendUpdate = async (doc, update, author) => {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return append(doc, update, author);
  };
  return storage;
}
