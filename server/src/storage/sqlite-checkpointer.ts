import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

export interface CheckpointerOptions {
  /** Copy the WAL into the database at most this often while commits arrive (ms). */
  everyMs?: number;
  /** Fsync the WAL this often while commits arrive (ms): the most a power cut can lose. */
  syncMs?: number;
  /** A WAL larger than this (pages) is bounded by a RESTART checkpoint. */
  restartFrames?: number;
  /**
   * The main connection's `total_changes()`: given, the worker retires once it has seen no commit
   * for `idleMs` (after a last checkpoint) and nothing keeps it ({@link SqliteCheckpointer.keepWhile}),
   * and a new one starts at the next commit, read every `syncMs`. A worker thread holds about
   * 17 MiB; a server at rest need not keep one.
   */
  changes?: () => number;
  idleMs?: number;
}

/** A connection's `total_changes()`: rows it has written since it opened (the checkpointer's commit signal). */
export function totalChanges(db: Database.Database): () => number {
  const stmt = db.prepare('SELECT total_changes()').pluck();
  return () => stmt.get() as number;
}

type FromWorker = { type: 'gate' } | { type: 'report'; log: number; restarted: boolean };

/**
 * Runs SQLite WAL checkpoints, and the WAL's syncs, on a worker thread, so the main thread never
 * waits for one.
 *
 * With the default auto-checkpoint, the commit that pushes the WAL past 1,000 pages copies it into
 * the database and fsyncs, synchronously, inside `appendUpdate`: a 4–8 ms stall of the event loop
 * every few hundred appends, during which no sync update is relayed (it showed as the p99 of the
 * fan-out benchmark). Here the main connection turns auto-checkpoint off and a second connection
 * on a worker runs `PRAGMA wal_checkpoint(PASSIVE)` every `everyMs` when another connection has
 * committed since the last complete one (`PRAGMA data_version`, read from shared memory: an idle
 * server does no checkpoint work at all); PASSIVE never blocks the writer.
 *
 * Checkpoints are rare (by default every 10 s) because each complete one costs the main thread an
 * fsync: the next commit starts the WAL afresh, and SQLite syncs the new WAL header inside that
 * commit (`walRestartHdr`; 12 such fsyncs in 20 s of the 100-client fan-out when checkpoints ran
 * every second, 17 ms each on a busy disk). Durability does not wait for them: a crash loses
 * nothing (a commit is in the WAL when `appendUpdate` returns), and against a power cut the
 * worker fsyncs the WAL file itself every `syncMs` (1 s) while commits arrive, so a power cut
 * loses at most the commits of the last second, as SQLite's own `synchronous=NORMAL` contract
 * with a checkpoint a second had it (`SQLITE_SYNCHRONOUS=full` syncs every commit). A page
 * rewritten by many commits within one period (the log's last leaf, its index pages) is copied
 * and synced once per period. Should the WAL pass `restartFrames` pages (a writer that never
 * pauses), a RESTART checkpoint bounds it.
 *
 * A RESTART holds SQLite's write lock while it copies and syncs. A commit on the main thread that
 * met it would wait in SQLite's busy handler, which sleeps in steps of 1, 2, 5, 10, 15 ms: a
 * 10–45 ms stall of the whole event loop (it showed as the longest hold of the retention job, whose
 * deletes grow the WAL fast). So the worker runs a RESTART only behind a gate: it asks the main
 * thread, which closes {@link gate} (no commit can be under way while it handles the message) and
 * answers; the storage's busy writers await the gate, asynchronously, and the worker opens it again
 * when the RESTART is done.
 *
 * Given the main connection's change count (`changes`), the worker retires once the database has
 * been quiet for `idleMs` (it runs a last checkpoint first), and the next commit, seen within
 * `syncMs`, starts a new one: a server at rest holds no worker thread (about 17 MiB).
 */
export class SqliteCheckpointer {
  private worker: Worker | null = null;
  /** Exits of the workers still running (a retired one may be running its last checkpoint). */
  private readonly exits = new Set<Promise<void>>();
  private failed = false;
  private stopped = false;
  private openGate: (() => void) | null = null;
  private readonly driver = createRequire(import.meta.url).resolve('better-sqlite3');
  private readonly settings: Required<Omit<CheckpointerOptions, 'changes' | 'idleMs'>>;
  private readonly watch: NodeJS.Timeout | null = null;
  /** Closed (a promise) while a RESTART checkpoint runs: writers await it before they commit. */
  gate: Promise<void> | null = null;
  /** Since the start: RESTART checkpoints run, and the largest WAL seen (frames). */
  readonly stats = { restarts: 0, largestLog: 0, workersStarted: 0 };
  /** Written by the workers without waking this thread: [0] WAL fsyncs, [1] checkpoints run. */
  private readonly counters = new Int32Array(new SharedArrayBuffer(8));

  /** `onFailure` runs if a worker dies; the caller should turn auto-checkpoint back on. */
  constructor(
    private readonly file: string,
    private readonly onFailure: (error: unknown) => void,
    options: CheckpointerOptions = {},
  ) {
    const { everyMs = 10_000, syncMs = 1_000, restartFrames = 4096, idleMs = 15_000, changes } = options;
    this.settings = { everyMs, syncMs, restartFrames };
    this.start();
    if (!changes) return;
    let seen = changes();
    let quietSince = Date.now();
    this.watch = setInterval(() => {
      const now = changes();
      if (now !== seen || this.inUse()) {
        seen = now;
        quietSince = Date.now();
        if (!this.worker) this.start();
      } else if (this.worker && Date.now() - quietSince >= idleMs) this.retire();
    }, syncMs);
    this.watch.unref();
  }

  /** While this says the database is in use (documents are open), the worker runs even without commits. */
  private inUse: () => boolean = () => false;

  /**
   * Keep a worker while `inUse()` holds (read every `syncMs`), not only while commits arrive: a
   * worker costs 30–50 ms of CPU to start, which a burst of edits after a quiet spell would pay
   * each time, while an open document is where the next edit comes from.
   */
  keepWhile(inUse: () => boolean): void {
    this.inUse = inUse;
  }

  /** A worker runs (false: retired while the database is quiet). */
  get running(): boolean {
    return this.worker !== null;
  }

  private start(): void {
    if (this.failed || this.stopped) return;
    const { everyMs, syncMs, restartFrames } = this.settings;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file: this.file, driver: this.driver, everyMs, syncMs, restartFrames, counters: this.counters },
    });
    this.worker = worker;
    this.stats.workersStarted++;
    worker.unref();
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'gate') {
        // A retired worker's RESTART is dropped: its last checkpoint runs instead.
        if (this.failed || worker !== this.worker) return;
        this.closeGate();
        worker.postMessage('gated');
        return;
      }
      this.stats.largestLog = Math.max(this.stats.largestLog, m.log);
      if (m.restarted) this.stats.restarts++;
      this.reopen();
    });
    const fail = (error: unknown) => {
      if (this.failed) return;
      this.failed = true;
      this.reopen();
      this.onFailure(error);
    };
    worker.on('error', fail);
    const exited: Promise<void> = new Promise((resolve) => {
      worker.once('exit', (code) => {
        if (code !== 0 && !this.stopped) fail(new Error(`checkpointer exited with code ${code}`));
        if (this.worker === worker) this.worker = null;
        this.exits.delete(exited);
        resolve();
      });
    });
    this.exits.add(exited);
  }

  /** Let the worker run a last checkpoint and end; the next commit starts another. */
  private retire(): void {
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    this.reopen();
    worker.postMessage('stop');
  }

  private closeGate(): void {
    if (this.gate) return;
    this.gate = new Promise<void>((resolve) => {
      // Should the worker never answer, writers go on after a second (they may then meet the lock).
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

  /** WAL fsyncs and checkpoints the workers have run so far. */
  get runs(): { syncs: number; checkpoints: number } {
    return { syncs: Atomics.load(this.counters, 0), checkpoints: Atomics.load(this.counters, 1) };
  }

  /** Run a last checkpoint and close the worker's connection. */
  async stop(): Promise<void> {
    if (this.watch) clearInterval(this.watch);
    const worker = this.worker;
    this.retire();
    this.stopped = true;
    const timeout = setTimeout(() => void worker?.terminate(), 5_000);
    await Promise.all([...this.exits]);
    clearTimeout(timeout);
    this.reopen();
  }
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const Database = require(workerData.driver);
const { everyMs, syncMs, restartFrames, counters } = workerData;
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
// Waiting for the main thread to close its gate before a RESTART.
let gated = false;
let before = 0;
// The data version after the last checkpoint that copied the whole WAL: unchanged, nothing to do.
let clean = -1;
// The data version when the WAL was last synced, and when the last checkpoint ran.
let synced = -1;
let lastCheckpoint = Date.now();
let lastSync = 0;
// The largest WAL reported: a smaller one is not worth waking the main thread for.
let reported = 0;
// The WAL file, opened to fsync it (reopened should SQLite have replaced it).
const walPath = workerData.file + '-wal';
let wal = null;
const report = (log, restarted) => {
  if (!restarted && log <= reported) return;
  reported = Math.max(reported, log);
  parentPort.postMessage({ type: 'report', log, restarted });
};
const syncWal = () => {
  const ino = fs.statSync(walPath).ino;
  if (wal && wal.ino !== ino) {
    fs.closeSync(wal.fd);
    wal = null;
  }
  if (!wal) wal = { fd: fs.openSync(walPath, 'r'), ino };
  fs.fsyncSync(wal.fd);
  Atomics.add(counters, 0, 1);
};
const checkpoint = (version) => {
  const [result] = db.pragma('wal_checkpoint(PASSIVE)');
  lastCheckpoint = Date.now();
  Atomics.add(counters, 1, 1);
  if (!result) return;
  if (result.busy === 0 && result.checkpointed === result.log) clean = version;
  // A writer that never pauses keeps the WAL from being reused (a PASSIVE checkpoint never
  // catches up with it); past the limit, a RESTART makes the next commit start the WAL afresh,
  // behind the main thread's gate.
  if (result.log > restartFrames) {
    gated = true;
    before = result.log;
    parentPort.postMessage({ type: 'gate' });
  } else report(result.log, false);
};
const tick = () => {
  if (gated) return;
  try {
    const version = db.pragma('data_version', { simple: true });
    if (version === clean) return;
    const now = Date.now();
    if (now - lastCheckpoint >= everyMs) return checkpoint(version);
    if (version !== synced && now - lastSync >= syncMs) {
      lastSync = now;
      syncWal();
      synced = version;
    }
  } catch {
    // SQLITE_BUSY, a WAL file not there yet and the like: the next tick tries again.
  }
};
const restart = () => {
  try {
    db.pragma('wal_checkpoint(RESTART)');
  } catch {
    // Busy: the next tick tries again.
  }
  gated = false;
  report(before, true);
};
const timer = setInterval(tick, Math.min(everyMs, syncMs));
parentPort.on('message', (message) => {
  if (message === 'gated') return restart();
  if (message !== 'stop') return;
  clearInterval(timer);
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // The next start checkpoints what is left.
  }
  if (wal) fs.closeSync(wal.fd);
  db.close();
  parentPort.close();
});
`;
