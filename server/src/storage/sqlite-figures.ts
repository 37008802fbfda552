import { statSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Size of one store (a table with its indexes) and how many rows it holds. */
export interface StoreFigure {
  store: string;
  bytes: number;
  rows: number | null;
}

export interface StorageFigures {
  measuredAt: number;
  /** Main database file plus its write-ahead log. */
  fileBytes: number;
  walBytes: number;
  stores: StoreFigure[];
  /** Bytes per stored fix (track table and its key) and per stored document update. */
  bytesPerFix: number | null;
  bytesPerUpdate: number | null;
}

/** Tables whose rows are counted (the figures per fix and per update). */
const COUNTED = ['positions_track', 'doc_updates'] as const;

/**
 * Store sizes of a SQLite file, measured on a worker thread with its own read-only connection:
 * `dbstat` and `COUNT(*)` read every page of a table, seconds on a large track, which must never
 * run on the event loop that serves ingest and relays.
 */
export async function measureSqlite(file: string, now: number): Promise<StorageFigures> {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, counted: COUNTED } });
  const stores = await new Promise<StoreFigure[]>((resolve, reject) => {
    worker.once('message', (m: { stores?: StoreFigure[]; error?: string }) =>
      m.stores ? resolve(m.stores) : reject(new Error(m.error ?? 'no figures')),
    );
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`figures worker exited with ${code}`)));
  });
  const size = (path: string) => {
    try {
      return statSync(path).size;
    } catch {
      return 0;
    }
  };
  const perRow = (name: string) => {
    const s = stores.find((x) => x.store === name);
    return s && s.rows ? s.bytes / s.rows : null;
  };
  return {
    measuredAt: now,
    fileBytes: size(file),
    walBytes: size(`${file}-wal`),
    stores,
    bytesPerFix: perRow('positions_track'),
    bytesPerUpdate: perRow('doc_updates'),
  };
}

/** Bytes free for this process on the file system holding `dir`. */
export async function freeDiskBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db;
try {
  db = new Database(workerData.file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 1000');
  const sizes = db.prepare(
    "SELECT s.tbl_name AS store, SUM(d.pgsize) AS bytes FROM dbstat d JOIN sqlite_schema s ON s.name = d.name GROUP BY s.tbl_name ORDER BY s.tbl_name"
  ).all();
  const stores = sizes.map((r) => ({
    store: r.store,
    bytes: r.bytes,
    rows: workerData.counted.includes(r.store) ? db.prepare('SELECT COUNT(*) AS n FROM ' + r.store).get().n : null,
  }));
  parentPort.postMessage({ stores });
} catch (err) {
  parentPort.postMessage({ error: String(err && err.message || err) });
} finally {
  if (db) db.close();
}
`;
