import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** The file in DATA_DIR whose lock says a server uses the directory (a small SQLite database). */
export const DATA_DIR_LOCK_FILE = 'jointmap.lock';

/** The locks this process holds, by real path, with how many stores opened on each share it. */
const held = new Map<string, { db: Database.Database; users: number }>();

/** The refusal of a data directory that another process holds. */
export function dataDirInUse(dataDir: string): string {
  return `DATA_DIR ${dataDir} is in use by another JointMap server: stop that one first, or give this one another DATA_DIR.`;
}

/**
 * Hold the data directory for this process: a write to `DATA_DIR/jointmap.lock` in SQLite's
 * EXCLUSIVE locking mode takes an exclusive lock on the file (a POSIX `fcntl` lock) that is kept
 * until the connection closes, and that the operating system drops when the process ends however
 * it ends (SIGKILL, a crash), so no stale lock is ever left, as a pid file would be. A store opened
 * on the same directory in this process shares the lock (tests, a tool and its server in one
 * process); a process of its own is refused at once with {@link dataDirInUse}. Returns the release
 * (idempotent): the lock goes when the last store of this process on the directory lets it go.
 */
export function lockDataDir(dataDir: string): () => void {
  const key = realpathSync(dataDir);
  let entry = held.get(key);
  if (!entry) {
    // timeout 0: a held lock answers SQLITE_BUSY at once instead of after better-sqlite3's 5 s.
    const db = new Database(join(key, DATA_DIR_LOCK_FILE), { timeout: 0 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, since INTEGER NOT NULL)');
      // The first write takes the exclusive lock, and EXCLUSIVE mode never lets it go.
      db.transaction(() => {
        db.prepare('DELETE FROM holder').run();
        db.prepare('INSERT INTO holder (pid, since) VALUES (?, ?)').run(process.pid, Date.now());
      })();
    } catch (err) {
      db.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new Error(dataDirInUse(dataDir));
      throw err;
    }
    entry = { db, users: 0 };
    held.set(key, entry);
  }
  const lock = entry;
  lock.users++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--lock.users > 0) return;
    held.delete(key);
    lock.db.close();
  };
}
