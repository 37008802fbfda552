import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Runs SQLite WAL checkpoints on a worker thread, so the main thread never waits for one.
 *
 * With the default auto-checkpoint, the commit that pushes the WAL past 1,000 pages copies it into
 * the database and fsyncs, synchronously, inside `appendUpdate`: a 4–8 ms stall of the event loop
 * every few hundred appends, during which no sync update is relayed (it showed as the p99 of the
 * fan-out benchmark). Here the main connection turns auto-checkpoint off and a second connection
 * on a worker runs `PRAGMA wal_checkpoint(PASSIVE)` every `everyMs` when another connection has
 * committed since the last complete one (`PRAGMA data_version`, read from shared memory: an idle
 * server does no checkpoint work at all); PASSIVE never blocks the writer. A crash loses nothing:
 * a commit is in the WAL when `appendUpdate` returns. With `synchronous=NORMAL` the WAL is synced
 * by the checkpoint, so a power cut can lose the commits of the last `everyMs` (SQLite's own
 * NORMAL contract; `SQLITE_SYNCHRONOUS=full` syncs every commit). A page rewritten by many commits
 * within one period (the log's last leaf, its index pages) is copied and synced once per period.
 * Should the WAL pass `restartFrames` pages (a writer that never pauses), a RESTART checkpoint
 * bounds it.
 *
 * A RESTART holds SQLite's write lock while it copies and syncs. A commit on the main thread that
 * met it would wait in SQLite's busy handler, which sleeps in steps of 1, 2, 5, 10, 15 ms: a
 * 10–45 ms stall of the whole event loop (it showed as the longest hold of the retention job, whose
 * deletes grow the WAL fast). So the worker runs a RESTART only behind a gate: it asks the main
 * thread, which closes {@link gate} (no commit can be under way while it handles the message) and
 * answers; the storage's busy writers await the gate, asynchronously, and the worker opens it again
 * when the RESTART is done.
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private failed = false;
  private openGate: (() => void) | null = null;
  /** Closed (a promise) while a RESTART checkpoint runs: writers await it before they commit. */
  gate: Promise<void> | null = null;
  /** Since the start: RESTART checkpoints run, and the largest WAL seen (frames). */
  readonly stats = { restarts: 0, largestLog: 0 };

  /** `onFailure` runs if the worker dies; the caller should turn auto-checkpoint back on. */
  constructor(file: string, onFailure: (error: unknown) => void, everyMs = 1_000, restartFrames = 4096) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, everyMs, restartFrames } });
    this.worker.unref();
    this.worker.on('message', (m: { type: 'gate' } | { type: 'report'; log: number; restarted: boolean }) => {
      if (m.type === 'gate') {
        if (this.failed) return;
        this.closeGate();
        this.worker.postMessage('gated');
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
      onFailure(error);
    };
    this.worker.on('error', fail);
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        if (code !== 0) fail(new Error(`checkpointer exited with code ${code}`));
        resolve();
      });
    });
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

  /** Run a last checkpoint and close the worker's connection. */
  async stop(): Promise<void> {
    this.worker.postMessage('stop');
    const timeout = setTimeout(() => void this.worker.terminate(), 5_000);
    await this.exited;
    clearTimeout(timeout);
    this.reopen();
  }
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
// Waiting for the main thread to close its gate before a RESTART.
let gated = false;
let before = 0;
// The data version after the last checkpoint that copied the whole WAL: unchanged, nothing to do.
let clean = -1;
// The largest WAL reported: a smaller one is not worth waking the main thread for.
let reported = 0;
const report = (log, restarted) => {
  if (!restarted && log <= reported) return;
  reported = Math.max(reported, log);
  parentPort.postMessage({ type: 'report', log, restarted });
};
const checkpoint = () => {
  if (gated) return;
  try {
    const version = db.pragma('data_version', { simple: true });
    if (version === clean) return;
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    if (!result) return;
    if (result.busy === 0 && result.checkpointed === result.log) clean = version;
    // A writer that never pauses keeps the WAL from being reused (a PASSIVE checkpoint never
    // catches up with it); past the limit, a RESTART makes the next commit start the WAL afresh,
    // behind the main thread's gate.
    if (result.log > workerData.restartFrames) {
      gated = true;
      before = result.log;
      parentPort.postMessage({ type: 'gate' });
    } else report(result.log, false);
  } catch {
    // SQLITE_BUSY and the like: the next tick tries again.
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
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', (message) => {
  if (message === 'gated') return restart();
  if (message !== 'stop') return;
  clearInterval(timer);
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // The next start checkpoints what is left.
  }
  db.close();
  parentPort.close();
});
`;
