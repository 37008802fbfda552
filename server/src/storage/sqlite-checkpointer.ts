import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Runs SQLite WAL checkpoints on a worker thread, so the main thread never waits for one.
 *
 * With the default auto-checkpoint, the commit that pushes the WAL past 1,000 pages copies it into
 * the database and fsyncs, synchronously, inside `appendUpdate`: a 4–8 ms stall of the event loop
 * every few hundred appends, during which no sync update is relayed (it showed as the p99 of the
 * fan-out benchmark). Here the main connection turns auto-checkpoint off and a second connection
 * on a worker runs `PRAGMA wal_checkpoint(PASSIVE)` every `everyMs`; PASSIVE never blocks the
 * writer. Durability does not change: a commit is still in the WAL when `appendUpdate` returns.
 * Should the WAL pass `restartFrames` pages (a writer that never pauses), a RESTART checkpoint
 * bounds it.
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  /** `onFailure` runs if the worker dies; the caller should turn auto-checkpoint back on. */
  constructor(file: string, onFailure: (error: unknown) => void, everyMs = 250, restartFrames = 4096) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, everyMs, restartFrames } });
    this.worker.unref();
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
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

  /** Run a last checkpoint and close the worker's connection. */
  async stop(): Promise<void> {
    this.worker.postMessage('stop');
    const timeout = setTimeout(() => void this.worker.terminate(), 5_000);
    await this.exited;
    clearTimeout(timeout);
  }
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
const checkpoint = () => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    // A writer that never pauses keeps the WAL from being reused (a PASSIVE checkpoint never
    // catches up with it); past the limit, RESTART makes the next commit start the WAL afresh. It
    // holds writers back only while it copies what the PASSIVE run left, a few frames.
    if (result && result.log > workerData.restartFrames) db.pragma('wal_checkpoint(RESTART)');
  } catch {
    // SQLITE_BUSY and the like: the next tick tries again.
  }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;
