import { closeSync, fsync, openSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';

export interface CheckpointerOptions {
  /** Copy the WAL into the database at most this often while commits arrive (ms; looked at every `syncMs`). */
  everyMs?: number;
  /** Fsync the WAL this often while commits arrive (ms): the most a power cut can lose. */
  syncMs?: number;
  /** A WAL larger than this (pages) is started afresh behind the gate ({@link SqliteCheckpointer.gate}). */
  restartFrames?: number;
  /**
   * How a file is synced: `fs.fsync`, on libuv's thread pool, by default. Tests hold it to look at
   * the files between a round's steps.
   */
  sync?: (fd: number, file: 'wal' | 'database') => Promise<void>;
  /** How long {@link SqliteCheckpointer.stop} waits for the round under way (ms; a sync that hangs). */
  stopWaitMs?: number;
}

interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

const fsyncFile = (fd: number): Promise<void> =>
  new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));

/**
 * The descriptors this process syncs database files through, one per file, by device and inode.
 * Closing any descriptor of a file drops every POSIX lock the process holds on it, SQLite's own
 * included (its shared lock on the database, which tells another process, such as the `sqlite3`
 * tool taking a backup, that the WAL is in use). So a descriptor is shared by every checkpointer
 * on its file (two stores on one directory in one process) and closed when the last of them stops,
 * after its caller's connection. Module-wide for that reason, as the data directory's lock is.
 */
const databaseFiles = new Map<string, { fd: number; users: number }>();

/** A shared descriptor of `file` (see {@link databaseFiles}) and its release. */
function openDatabaseFile(file: string): { fd: number; release: () => void } {
  const { dev, ino } = statSync(file);
  const key = `${dev}:${ino}`;
  let entry = databaseFiles.get(key);
  if (!entry) {
    entry = { fd: openSync(file, 'r'), users: 0 };
    databaseFiles.set(key, entry);
  }
  entry.users++;
  const held = entry;
  let released = false;
  return {
    fd: held.fd,
    release: () => {
      if (released) return;
      released = true;
      if (--held.users > 0) return;
      databaseFiles.delete(key);
      closeSync(held.fd);
    },
  };
}

/** The connections and the file the checkpointer works with (none if it could not open them). */
interface Handles {
  /** Runs the checkpoints with `synchronous = OFF`: it only copies pages, the syncs are this class's. */
  copier: Database.Database;
  /** Its `data_version`: changes when another connection commits. */
  dataVersion: Database.Statement;
  /** Holds a read transaction through a round, so the WAL cannot start afresh under it. */
  holder: Database.Database;
  begin: Database.Statement;
  read: Database.Statement;
  end: Database.Statement;
  /** The database file, to sync it, shared (see {@link databaseFiles}). */
  dbFile: { fd: number; release: () => void };
}

/**
 * Runs SQLite's WAL checkpoints and the WAL's syncs on the main thread, with every fsync on libuv's
 * thread pool, so the event loop never waits for the disk, and no worker thread (with its own V8
 * isolate, about 8 MiB of a fresh server here) is needed.
 *
 * With the default auto-checkpoint, the commit that pushes the WAL past 1,000 pages copies it into
 * the database and fsyncs, synchronously, inside `appendUpdate`: a 4–8 ms stall of the event loop
 * every few hundred appends. Here the main connection turns auto-checkpoint off and this class, on a
 * timer:
 * - every `syncMs` (1 s) while commits arrive, fsyncs the WAL file (a descriptor of its own,
 *   reopened should SQLite replace the file): a power cut loses at most the commits of the last
 *   second, as SQLite's `synchronous=NORMAL` with a checkpoint a second would; a crash loses
 *   nothing (a commit is in the WAL when `appendUpdate` returns);
 * - every `everyMs` (10 s) while commits arrive, runs a round that copies the WAL into the database.
 *
 * SQLite's own checkpoint syncs the WAL before it copies and the database file after, on the
 * calling thread (two fsyncs, 7–14 ms on the machine of docs/performance.md). A round does the same
 * steps with the syncs taken out of the connection that copies:
 * 1. a second connection (`holder`) begins a read transaction: the copy cannot go past what it sees
 *    (a checkpoint stops at the oldest reader), and no commit can start the WAL afresh (overwrite
 *    it from its first frame) while it is open;
 * 2. the WAL is fsynced, asynchronously: everything the holder sees is now on disk;
 * 3. `wal_checkpoint(PASSIVE)` on the `copier` connection (`synchronous = OFF`) copies the pages
 *    into the database file: no fsync, well under a millisecond of the main thread;
 * 4. the database file is fsynced, asynchronously, and only then the holder lets go: once the WAL
 *    starts afresh, the database file must have what it held.
 * A power cut at any step finds the copied pages either synced or still in the synced WAL, which
 * SQLite's recovery replays.
 *
 * A sync that fails, or a holder that cannot let go, runs `onFailure` once and ends the rounds for
 * good; the WAL is still fsynced every `syncMs` while commits arrive. Should the database file's
 * sync have failed, the holder never lets go, not even at {@link stop}: the WAL keeps every page
 * that may be missing from the database file (it only grows), and no connection of this process
 * deletes it on close, so the next start's recovery copies it again. A round that does not end
 * within `stopWaitMs` (5 s) of `stop` is taken as failed the same way.
 *
 * A commit during the round lands in the WAL past what the holder sees, so the round leaves the WAL
 * in use, and the next one copies it. A writer that never pauses would keep the WAL from starting
 * afresh: once it passes `restartFrames`, the next round runs behind a gate ({@link gate}). The
 * storage's busy writers await it before they commit, asynchronously, so the round ends with
 * nothing new in the WAL and the next commit starts it afresh. Rare writers (sessions, alerts) are
 * not gated; one that commits meanwhile only makes a later round try again. A round behind the gate
 * that could not copy the whole WAL (another reader, such as a backup, holds an older snapshot)
 * is tried again behind the gate only after `everyMs`, so that such a reader does not hold the
 * writers back every second.
 */
export class SqliteCheckpointer {
  /** Closed (a promise) while a round that must start the WAL afresh runs: writers await it before they commit. */
  gate: Promise<void> | null = null;
  /** Since the start: rounds behind the gate that left the WAL to start afresh, and the largest WAL seen (frames). */
  readonly stats = { restarts: 0, largestLog: 0 };
  private readonly counts = { syncs: 0, checkpoints: 0, gated: 0 };
  private readonly settings: Required<Omit<CheckpointerOptions, 'sync'>>;
  private readonly sync: (fd: number, file: 'wal' | 'database') => Promise<void>;
  private readonly handles: Handles | null = null;
  private readonly walPath: string;
  private wal: { fd: number; ino: number } | null = null;
  private readonly timer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;
  private openGate: (() => void) | null = null;
  private stopped = false;
  /** A sync failed or the holder could not let go: no more rounds, only WAL syncs (see the class comment). */
  private failed = false;
  /** The holder keeps its read transaction open for good (the database file's sync failed). */
  private holding = false;
  /** The data version after the last round that copied the whole WAL: unchanged, nothing to do. */
  private clean = -1;
  /** The data version when the WAL was last synced. */
  private synced = -1;
  private lastSync = 0;
  private lastCheckpoint = Date.now();
  /** The WAL passed `restartFrames` and did not start afresh: the next round runs behind the gate. */
  private restartDue = false;
  /** When the last round behind the gate ended without letting the WAL start afresh. */
  private gatedMissAt = 0;

  /** `onFailure` runs if the checkpointer cannot work; the caller should turn auto-checkpoint back on. */
  constructor(
    file: string,
    private readonly onFailure: (error: unknown) => void,
    options: CheckpointerOptions = {},
  ) {
    const { everyMs = 10_000, syncMs = 1_000, restartFrames = 4096, sync = fsyncFile, stopWaitMs = 5_000 } = options;
    this.settings = { everyMs, syncMs, restartFrames, stopWaitMs };
    this.sync = sync;
    this.walPath = `${file}-wal`;
    try {
      this.handles = openHandles(file);
    } catch (error) {
      this.onFailure(error);
      return;
    }
    // One look a `syncMs`: the checkpoint periods are counted in those looks too.
    this.timer = setInterval(() => this.tick(), syncMs);
    this.timer.unref();
  }

  /** WAL fsyncs, checkpoints and rounds behind the gate run so far. */
  get runs(): { syncs: number; checkpoints: number; gated: number } {
    return { ...this.counts };
  }

  private tick(): void {
    const h = this.handles;
    if (!h || this.round || this.stopped) return;
    let version: number;
    try {
      version = h.dataVersion.get() as number;
    } catch {
      return; // The next tick reads it again.
    }
    if (version === this.clean) return;
    const now = Date.now();
    const { everyMs, syncMs } = this.settings;
    const gated = this.restartDue && now - this.gatedMissAt >= everyMs;
    if (!this.failed && (gated || now - this.lastCheckpoint >= everyMs)) this.run(this.checkpoint(h, version, gated));
    else if (version !== this.synced && now - this.lastSync >= syncMs) this.run(this.syncWal(version));
  }

  /** Report `error` once and end the rounds (see the class comment). */
  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.onFailure(error);
  }

  private run(round: Promise<void>): void {
    this.round = round
      // A WAL not there yet, a sync that failed and the like: the next tick tries again.
      .catch(() => undefined)
      .finally(() => {
        this.round = null;
      });
  }

  /** Fsync the WAL as it is at `version`; a failed sync is reported (once) and thrown. */
  private async syncWal(version: number, fd = this.walFd()): Promise<void> {
    this.lastSync = Date.now();
    try {
      await this.sync(fd, 'wal');
    } catch (error) {
      this.fail(error);
      throw error;
    }
    this.counts.syncs++;
    this.synced = version;
  }

  /** A descriptor of the WAL file, reopened should SQLite have replaced the file. */
  private walFd(): number {
    const { ino } = statSync(this.walPath);
    if (this.wal && this.wal.ino !== ino) {
      closeSync(this.wal.fd);
      this.wal = null;
    }
    this.wal ??= { fd: openSync(this.walPath, 'r'), ino };
    return this.wal.fd;
  }

  /** One round (see the class comment): hold, sync the WAL, copy, sync the database file, let go. */
  private async checkpoint(h: Handles, version: number, gated: boolean): Promise<void> {
    const wal = this.walFd(); // Before the gate: no WAL yet, nothing to do.
    if (gated) {
      this.counts.gated++;
      this.closeGate();
    }
    let release = false;
    try {
      h.begin.run();
      release = true;
      h.read.get();
      await this.syncWal(version, wal);
      const [result] = h.copier.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
      this.lastCheckpoint = Date.now();
      this.counts.checkpoints++;
      try {
        await this.sync(h.dbFile.fd, 'database');
      } catch (error) {
        // The copied pages may not be on disk: the WAL must keep them (see the class comment).
        release = false;
        this.holding = true;
        this.fail(error);
        throw error;
      }
      if (!result) return;
      this.stats.largestLog = Math.max(this.stats.largestLog, result.log);
      const whole = result.busy === 0 && result.checkpointed === result.log;
      if (whole) this.clean = version;
      // Nothing committed since the copy: once the holder lets go, the next commit starts the WAL afresh.
      const fresh = whole && h.dataVersion.get() === version;
      if (gated && fresh) this.stats.restarts++;
      if (gated && !fresh) this.gatedMissAt = Date.now();
      this.restartDue = result.log > this.settings.restartFrames && !fresh;
    } finally {
      if (release) this.letGo(h);
      if (gated) this.reopen();
    }
  }

  /** End the holder's read transaction; should that fail, it holds on for good. */
  private letGo(h: Handles): void {
    try {
      h.end.run();
    } catch (error) {
      this.holding = true;
      this.fail(error);
    }
  }

  private closeGate(): void {
    if (this.gate) return;
    this.gate = new Promise<void>((resolve) => {
      // Should a sync never return, writers go on after a second (the holder still keeps the WAL).
      const timer = setTimeout(() => this.reopen(), 1_000);
      timer.unref();
      this.openGate = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private reopen(): void {
    const open = this.openGate;
    this.gate = null;
    this.openGate = null;
    open?.();
  }

  /**
   * Stop after the round under way (at most `stopWaitMs`), close this checkpointer's
   * connections, then `closeDatabase` (the caller's connection: the last one's close copies what is
   * left and deletes the WAL), then let go of the database file's descriptor, which closes it if no
   * other checkpointer uses it ({@link databaseFiles}: closed before a connection, it would drop
   * that connection's locks). A holder that must hold on, or a round that did not end, keeps the
   * holder and the descriptor open for the life of the process: the WAL stays for the next start's
   * recovery (see the class comment).
   */
  async stop(closeDatabase: () => void): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.round) {
      let timer: NodeJS.Timeout | undefined;
      const ended = await Promise.race([
        this.round.then(() => true),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.settings.stopWaitMs))),
      ]);
      clearTimeout(timer);
      if (!ended) {
        this.holding = true;
        this.fail(new Error(`a checkpoint round did not end within ${this.settings.stopWaitMs} ms of stop`));
      }
    }
    this.reopen();
    const h = this.handles;
    const keep = this.holding;
    const wal = this.wal;
    this.wal = null;
    // Each step runs though an earlier one threw; the first error is thrown at the end. The
    // descriptor goes only once every connection on the file is closed.
    let first: { error: unknown } | null = null;
    const step = (close: () => void): boolean => {
      try {
        close();
        return true;
      } catch (error) {
        first ??= { error };
        return false;
      }
    };
    const ours = [
      keep || !h || step(() => h.holder.close()),
      !h || step(() => h.copier.close()),
      !wal || step(() => closeSync(wal.fd)),
    ];
    const theirs = step(closeDatabase);
    if (h && !keep && theirs && ours[0] && ours[1]) h.dbFile.release();
    if (first) throw (first as { error: unknown }).error;
  }
}

function openHandles(file: string): Handles {
  // No busy waits: they would sleep on the main thread; a busy read fails, and the next tick retries.
  const copier = new Database(file, { timeout: 0 });
  let holder: Database.Database | null = null;
  try {
    holder = new Database(file, { timeout: 0 });
    copier.pragma('synchronous = OFF');
    return {
      copier,
      dataVersion: copier.prepare('PRAGMA data_version').pluck(),
      holder,
      begin: holder.prepare('BEGIN'),
      read: holder.prepare('PRAGMA user_version').pluck(),
      end: holder.prepare('COMMIT'),
      dbFile: openDatabaseFile(file),
    };
  } catch (error) {
    holder?.close();
    copier.close();
    throw error;
  }
}
