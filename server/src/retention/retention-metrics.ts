import { Counter, Gauge, type Registry } from 'prom-client';
import type { StorageFigures } from '../storage/sqlite-figures.ts';
import type { RetentionRun } from './retention-job.ts';

/** Prometheus figures of track retention and of the disk (`/api/metrics`). */
export function createRetentionMetrics(registry: Registry) {
  const registers = [registry];
  const m = {
    running: new Gauge({ name: 'jointmap_retention_running', help: '1 while a retention run is under way', registers }),
    progress: new Gauge({
      name: 'jointmap_retention_progress_ratio',
      help: 'Units done / units with a track, of the current or last retention run',
      registers,
    }),
    lastRun: new Gauge({
      name: 'jointmap_retention_last_run_timestamp_seconds',
      help: 'When the last retention run finished',
      registers,
    }),
    lastDuration: new Gauge({
      name: 'jointmap_retention_last_run_duration_seconds',
      help: 'How long the last retention run took',
      registers,
    }),
    runs: new Counter({
      name: 'jointmap_retention_runs_total',
      help: 'Retention runs',
      labelNames: ['outcome'] as const,
      registers,
    }),
    fixes: new Counter({
      name: 'jointmap_retention_fixes_total',
      help: 'Fixes removed by retention: thinned (older than TRACK_FULL_DAYS) or dropped (older than TRACK_KEEP_DAYS)',
      labelNames: ['action'] as const,
      registers,
    }),
    batches: new Counter({
      name: 'jointmap_retention_batches_total',
      help: 'Retention transactions (the job yields to ingest and relays after each)',
      registers,
    }),
    held: new Gauge({
      name: 'jointmap_retention_held_operations',
      help: 'Operations under an evidence hold (never thinned or dropped)',
      registers,
    }),
    storeBytes: new Gauge({
      name: 'jointmap_storage_bytes',
      help: 'Bytes of each store (table with its indexes); store="wal": the write-ahead log',
      labelNames: ['store'] as const,
      registers,
    }),
    storeRows: new Gauge({
      name: 'jointmap_storage_rows',
      help: 'Rows of the track and update-log stores',
      labelNames: ['store'] as const,
      registers,
    }),
    bytesPerFix: new Gauge({ name: 'jointmap_storage_bytes_per_fix', help: 'Stored bytes per track fix', registers }),
    bytesPerUpdate: new Gauge({
      name: 'jointmap_storage_bytes_per_update',
      help: 'Stored bytes per document update',
      registers,
    }),
    longestBatch: new Gauge({
      name: 'jointmap_retention_longest_batch_seconds',
      help: 'Longest time the current or last run held the event loop in one batch',
      registers,
    }),
    longestBatchCpu: new Gauge({
      name: 'jointmap_retention_longest_batch_cpu_seconds',
      help: 'Most CPU time the process used over one batch of the current or last run (not stretched by other processes)',
      registers,
    }),
    diskFree: new Gauge({ name: 'jointmap_disk_free_bytes', help: 'Free disk where the data lives', registers }),
    diskLow: new Gauge({
      name: 'jointmap_disk_low',
      help: '1 when free disk is under DISK_WARN_FREE_MIB (commanders see a banner)',
      registers,
    }),
  };
  /** The run the counters last moved for, and its totals then: each run counts from zero. */
  let seenRun: RetentionRun | null = null;
  let seen = { thinned: 0, dropped: 0, batches: 0 };
  /** The last run counted in `runs_total` (a run joined by two callers is counted once). */
  let countedRun: RetentionRun | null = null;
  const moveBy = (run: RetentionRun): void => {
    if (run !== seenRun) {
      seenRun = run;
      seen = { thinned: 0, dropped: 0, batches: 0 };
    }
    // A counter never goes down (prom-client throws): never less than zero, whatever the caller passed.
    m.fixes.inc({ action: 'thinned' }, Math.max(0, run.thinRemoved - seen.thinned));
    m.fixes.inc({ action: 'dropped' }, Math.max(0, run.dropped - seen.dropped));
    m.batches.inc(Math.max(0, run.batches - seen.batches));
    seen = { thinned: run.thinRemoved, dropped: run.dropped, batches: run.batches };
  };
  return {
    /** After every transaction: counters move by what this run did since the last call for it. */
    progress(run: RetentionRun): void {
      m.running.set(run.finishedAt === null ? 1 : 0);
      m.progress.set(run.unitsTotal ? run.unitsDone / run.unitsTotal : 1);
      m.held.set(run.heldOperations);
      m.longestBatch.set(run.longestBatchMs / 1000);
      m.longestBatchCpu.set(run.longestBatchCpuMs / 1000);
      moveBy(run);
    },
    /** A run ended, whole or failed (`run.error`); a run already counted is not counted again. */
    finished(run: RetentionRun, tookMs: number): void {
      if (run === countedRun) return;
      countedRun = run;
      this.progress(run);
      m.running.set(0);
      m.runs.inc({ outcome: run.error ? 'failed' : 'ok' });
      m.lastRun.set(Date.now() / 1000);
      m.lastDuration.set(tookMs / 1000);
    },
    figures(f: StorageFigures): void {
      for (const s of f.stores) {
        m.storeBytes.set({ store: s.store }, s.bytes);
        if (s.rows !== null) m.storeRows.set({ store: s.store }, s.rows);
      }
      m.storeBytes.set({ store: 'wal' }, f.walBytes);
      if (f.bytesPerFix !== null) m.bytesPerFix.set(f.bytesPerFix);
      if (f.bytesPerUpdate !== null) m.bytesPerUpdate.set(f.bytesPerUpdate);
    },
    disk(freeBytes: number, low: boolean): void {
      m.diskFree.set(freeBytes);
      m.diskLow.set(low ? 1 : 0);
    },
  };
}
export type RetentionMetrics = ReturnType<typeof createRetentionMetrics>;
