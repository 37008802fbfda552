import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import { freeDiskBytes, measureSqlite, type StorageFigures } from '../storage/sqlite-figures.ts';
import {
  RetentionElsewhereError,
  RetentionJob,
  type RetentionJobStore,
  type RetentionLock,
  type RetentionPolicy,
  type RetentionRun,
} from './retention-job.ts';
import { createRetentionMetrics, type RetentionMetrics } from './retention-metrics.ts';

export interface DiskStatus {
  freeBytes: number | null;
  warnBelowBytes: number;
  /** Free disk is under the threshold: commanders see a banner. */
  low: boolean;
  checkedAt: number | null;
}

/** What `/api/retention` and an operation's retention settings show. */
export interface RetentionStatus {
  policy: RetentionPolicy;
  intervalMs: number;
  /** The run under way, if any. */
  running: RetentionRun | null;
  lastRun: RetentionRun | null;
  storage: StorageFigures | null;
  disk: DiskStatus;
}

export interface RetentionServiceOptions {
  store: RetentionJobStore;
  policy: RetentionPolicy;
  /** One run at a time across the instances of a shared store (PostgreSQL: `pgRetentionLock`). */
  lock?: RetentionLock;
  intervalMs: number;
  /** The SQLite file to measure (null: another store, no per-store figures). */
  sqliteFile: string | null;
  /** Measures another store (PostgreSQL: `PgStorage.figures`); used when there is no `sqliteFile`. */
  measureStore?: ((now: number) => Promise<StorageFigures>) | null;
  dataDir: string;
  warnFreeBytes: number;
  registry: Registry;
  log: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
  now?: () => number;
  /** How often free disk is looked at (ms). */
  diskCheckMs?: number;
}

/**
 * Runs the retention job every `intervalMs`, measures the stores after each run and watches free
 * disk, warning once (log, metric, console banner) when it falls under the threshold.
 */
/**
 * Skips in a row (another instance holding the store-wide lock) after which a warning says so: a
 * run takes minutes, so 18 ticks (3 hours at the default 10 minutes) of someone else's run means a
 * holder that hangs with its connection open, and retention stopped on every instance.
 */
export const SKIPS_BEFORE_WARNING = 18;

export class RetentionService {
  readonly job: RetentionJob;
  private readonly metrics: RetentionMetrics;
  private readonly now: () => number;
  private readonly timers: NodeJS.Timeout[] = [];
  private figures: StorageFigures | null = null;
  private disk: DiskStatus;
  private stopped = false;
  /** Runs skipped in a row because another instance held the lock. */
  private skippedInARow = 0;

  constructor(private readonly options: RetentionServiceOptions) {
    this.now = options.now ?? Date.now;
    this.metrics = createRetentionMetrics(options.registry);
    this.disk = { freeBytes: null, warnBelowBytes: options.warnFreeBytes, low: false, checkedAt: null };
    this.job = new RetentionJob({
      store: options.store,
      policy: options.policy,
      lock: options.lock,
      now: this.now,
      onProgress: (run) => this.count(() => this.metrics.progress(run)),
    });
  }

  start(): void {
    const { intervalMs } = this.options;
    if (intervalMs > 0) {
      // The first run soon after start (not at once: the start itself is busy), then every interval.
      this.timers.push(setTimeout(() => void this.runNow().catch(() => undefined), Math.min(intervalMs, 60_000)));
      this.timers.push(setInterval(() => void this.runNow().catch(() => undefined), intervalMs));
    }
    this.timers.push(setInterval(() => void this.checkDisk(), this.options.diskCheckMs ?? 60_000));
    for (const t of this.timers) t.unref();
    void this.checkDisk();
    // Store sizes are measured after each run, not at start: on a large store the measurement
    // reads every page (on a worker, but it takes a core of a small machine for a while).
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.splice(0)) clearTimeout(t);
    await this.job.stop();
  }

  /**
   * Run the policy now (or join the run under way), then measure the stores. Rejects with
   * {@link RetentionElsewhereError} (409) when another instance of the store runs it: this one skips.
   */
  async runNow(): Promise<RetentionRun> {
    const started = performance.now();
    let skipped = false;
    try {
      const run = await this.job.run();
      this.skippedInARow = 0;
      this.count(() => this.metrics.finished(run, performance.now() - started));
      if (run.thinRemoved || run.dropped)
        this.options.log.info(
          { thinned: run.thinRemoved, dropped: run.dropped, batches: run.batches, units: run.unitsTotal },
          'track retention run',
        );
      return run;
    } catch (err) {
      if (err instanceof RetentionElsewhereError) {
        skipped = true;
        this.skippedInARow++;
        if (this.skippedInARow % SKIPS_BEFORE_WARNING === 0)
          this.options.log.warn(
            { skipped: this.skippedInARow },
            'track retention has not run here for a while: another instance holds the store-wide lock all along (a hung process? PostgreSQL: pg_locks, locktype advisory)',
          );
        else this.options.log.info('track retention run skipped: another instance of the store is running it');
        throw err;
      }
      this.skippedInARow = 0;
      this.options.log.error({ err }, 'track retention run failed');
      // The failed run (the job records one for every failure, at its start too).
      const run = this.job.lastFinished;
      if (run?.error) this.count(() => this.metrics.finished(run, performance.now() - started));
      throw err;
    } finally {
      // Skipped: the instance that runs it measures the shared store.
      if (!skipped) await this.measure();
    }
  }

  /** Move the metrics; a fault of theirs is logged, never the run's outcome or its error. */
  private count(move: () => void): void {
    try {
      move();
    } catch (err) {
      this.options.log.warn({ err }, 'retention metrics could not be updated');
    }
  }

  /** Measure the stores (off the event loop). */
  async measure(): Promise<StorageFigures | null> {
    const file = this.options.sqliteFile;
    const measure = file ? (now: number) => measureSqlite(file, now) : this.options.measureStore;
    if (!measure || this.stopped) return this.figures;
    try {
      this.figures = await measure(this.now());
      this.metrics.figures(this.figures);
    } catch (err) {
      this.options.log.warn({ err }, 'storage figures could not be measured');
    }
    return this.figures;
  }

  /** Look at free disk; log once when it falls under the threshold, and once when it is back. */
  async checkDisk(): Promise<DiskStatus> {
    try {
      const free = await freeDiskBytes(this.options.dataDir);
      const low = free < this.options.warnFreeBytes;
      if (low && !this.disk.low)
        this.options.log.warn(
          { freeBytes: free, warnBelowBytes: this.options.warnFreeBytes },
          'free disk is low: tracks and documents will be refused (STORAGE_FULL) when it runs out',
        );
      else if (!low && this.disk.low)
        this.options.log.info({ freeBytes: free }, 'free disk is back above the threshold');
      this.disk = { ...this.disk, freeBytes: free, low, checkedAt: this.now() };
      this.metrics.disk(free, low);
    } catch (err) {
      this.options.log.warn({ err }, 'free disk could not be read');
    }
    return this.disk;
  }

  status(): RetentionStatus {
    const current = this.job.current;
    return {
      policy: this.options.policy,
      intervalMs: this.options.intervalMs,
      running: current && current.finishedAt === null ? current : null,
      lastRun: this.job.lastFinished,
      storage: this.figures,
      disk: this.disk,
    };
  }
}
