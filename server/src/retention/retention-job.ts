import { AppError } from '@jointmap/shared';
import { isLiveMark } from '../storage/restore-marks.ts';
import type { ArchiveStore, PositionFix, RetentionStore, TrackUnit } from '../storage/types.ts';
import { heldSpans, spansOutside, type TimeSpan } from './held-spans.ts';
import { thinTrack } from './thin-track.ts';

const DAY_MS = 24 * 3600_000;

/** The retention policy (docs/decisions.md, "Track retention"). */
export interface RetentionPolicy {
  /** Full resolution this many days, then thinned (0: never thinned). */
  fullDays: number;
  /** Dropped after this many days (0: never). */
  keepDays: number;
  toleranceM: number;
  /** Fixes per transaction. */
  batch: number;
}

/** What one run did, and where a running one is. */
export interface RetentionRun {
  startedAt: number;
  finishedAt: number | null;
  unitsTotal: number;
  unitsDone: number;
  /** Fixes looked at by thinning, and removed by it. */
  thinScanned: number;
  thinRemoved: number;
  dropped: number;
  /** Transactions written; the job yielded after each. */
  batches: number;
  /** Most rows any one transaction touched. */
  largestBatch: number;
  /**
   * Longest stretch the job held the event loop between two pauses (reading a page, thinning it,
   * writing it): what an ingest request or a relay could have waited behind it at most.
   */
  longestBatchMs: number;
  /**
   * CPU time of the process over that same kind of stretch, the longest seen: unlike the wall
   * time, not stretched when other processes take the cores (it also counts the process's other
   * threads, such as the WAL checkpointer, for those moments).
   */
  longestBatchCpuMs: number;
  /** 99th percentile of those stretches, to the millisecond (the longest is one outlier, often a GC). */
  batchP99Ms: number;
  heldOperations: number;
  error: string | null;
}

/** What the job reads and writes: the retention store, and the units of a station's track. */
export type RetentionJobStore = RetentionStore & Pick<ArchiveStore, 'trackUnitsOfStation'>;

/** Held while a run goes on; `release` never throws (a lock it cannot hand back goes with its connection). */
export interface RunLease {
  /** The lock went without a release (its connection closed): the run stops before its next unit. */
  readonly lost?: boolean;
  release(): Promise<void>;
}

/**
 * Takes the store-wide retention lock for one run, so that instances sharing a store (PostgreSQL)
 * run one at a time: null, at once, when another instance holds it. Two runs at once would both
 * read a unit's watermark and thin the same fixes twice, the second thinning the first's result.
 */
export type RetentionLock = () => Promise<RunLease | null>;

/** "Run now" while another instance of the store runs the policy: this one skips it. */
export class RetentionElsewhereError extends AppError {
  constructor() {
    super('CONFLICT', 'a retention run is under way on another instance of the store');
    this.name = 'RetentionElsewhereError';
  }
}

export interface RetentionJobOptions {
  store: RetentionJobStore;
  policy: RetentionPolicy;
  /** Where instances share the store: one run at a time across them (absent: this instance only). */
  lock?: RetentionLock;
  /** Between two transactions: lets ingest and relays run (default: one turn of the event loop). */
  pause?: (batchMs: number) => Promise<void>;
  /**
   * Share of the event loop the job may take (default 0.25): after a transaction that took `d` ms
   * the default pause waits `d × (1 − share) / share` ms, so ingest and relays get the rest.
   */
  share?: number;
  /** After every transaction of a run (metrics). */
  onProgress?: (run: RetentionRun) => void;
  /** The clock (tests pass a fake one). */
  now?: () => number;
}

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Thins tracks older than `fullDays` and drops fixes older than `keepDays`, one unit at a time in
 * transactions of at most `batch` fixes, pausing after each. Held fixes are neither thinned nor
 * dropped: those of a station within the window of each held operation of it (creation to closing,
 * on for good while active) or of a restore under way; before and after such a window the policy
 * runs as anywhere else, and no transaction reaches into one. A unit's thinning stops at the start
 * of a window still open, so lifting its hold lets thinning carry on from there; it steps over a
 * closed one, whose fixes then stay whole until they are dropped.
 */
export class RetentionJob {
  private readonly pause: (batchMs: number) => Promise<void>;
  /** When the current transaction's work began (performance.now()), and the process's CPU then. */
  private batchStart = 0;
  private batchCpu: NodeJS.CpuUsage = process.cpuUsage();
  /** Stretches of the current run by whole milliseconds (the last bucket: 99 ms and longer). */
  private readonly batchMs = new Array<number>(100).fill(0);
  private readonly now: () => number;
  private running: Promise<RetentionRun> | null = null;
  private stopping = false;
  /** The run in progress, or the last one. */
  current: RetentionRun | null = null;
  lastFinished: RetentionRun | null = null;

  constructor(private readonly options: RetentionJobOptions) {
    const share = Math.min(1, Math.max(0.05, options.share ?? 0.25));
    this.pause = options.pause ?? ((batchMs) => wait(Math.max(1, (batchMs * (1 - share)) / share)));
    this.now = options.now ?? Date.now;
  }

  get policy(): RetentionPolicy {
    return this.options.policy;
  }

  /**
   * Run the policy as of the clock's now; a run already under way is joined, not started twice.
   * Rejects with {@link RetentionElsewhereError} when another instance of the store runs it.
   */
  run(): Promise<RetentionRun> {
    this.running ??= this.runExclusive().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Stop after the current transaction (shutdown); resolves when no run is under way. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running?.catch(() => undefined);
  }

  private async runExclusive(): Promise<RetentionRun> {
    const { lock } = this.options;
    if (!lock) return this.runOnce(this.now());
    let lease: RunLease | null;
    try {
      lease = await lock();
    } catch (err) {
      // The store could not be asked (it is down): a run that failed at its start.
      const failed = newRun(this.now());
      failed.finishedAt = failed.startedAt;
      failed.error = (err as Error).message;
      this.lastFinished = failed;
      throw err;
    }
    if (!lease) throw new RetentionElsewhereError();
    try {
      return await this.runOnce(this.now(), lease);
    } finally {
      await lease.release();
    }
  }

  private async runOnce(now: number, lease?: RunLease): Promise<RetentionRun> {
    const run = newRun(now);
    this.current = run;
    this.batchMs.fill(0);
    try {
      // Within the try: a store that fails here fails the run (with its error), like any other step.
      await this.options.store.settle?.();
      this.startBatch();
      run.heldOperations = (await this.options.store.operationHolds()).length;
      const units = await this.trackUnits();
      run.unitsTotal = units.length;
      const { fullDays, keepDays } = this.options.policy;
      for (const unit of units) {
        if (this.stopping) break;
        // Another instance may be running now: carrying on would thin what it thins.
        if (lease?.lost) throw new Error('the retention lock was lost with its connection');
        // Read before each step, not once a run: a hold a commander sets, or a restore that starts,
        // while a run goes on protects every unit (and step) the run has not reached.
        if (keepDays > 0) await this.drop(unit, now - keepDays * DAY_MS, await this.held(unit.stationId), run);
        if (fullDays > 0) await this.thin(unit, now - fullDays * DAY_MS, await this.held(unit.stationId), run);
        run.unitsDone++;
        this.options.onProgress?.(run);
      }
    } catch (err) {
      run.error = (err as Error).message;
      throw err;
    } finally {
      run.finishedAt = this.now();
      this.lastFinished = run;
    }
    return run;
  }

  /**
   * Every unit with a fix in the track, restored ones too (a unit this instance never saw live has
   * no latest position), with its thinning watermark.
   */
  private async trackUnits(): Promise<TrackUnit[]> {
    const { store } = this.options;
    const units: TrackUnit[] = [];
    for (const stationId of await store.trackStations()) {
      const thinned = await store.thinnedUntilOfStation(stationId);
      for (const unitId of await store.trackUnitsOfStation(stationId))
        units.push({ stationId, unitId, thinnedUntil: thinned.get(unitId) ?? 0 });
    }
    return units;
  }

  /**
   * The station's held spans as of now (evidence holds and restores under way). A restore mark
   * older than `RESTORE_MARK_MAX_MS` ({@link isLiveMark}) is of a restore that never finished (its
   * process was killed): its window is no longer held, and the restore must be run again to be
   * complete.
   */
  private async held(stationId: string): Promise<TimeSpan[]> {
    const { store } = this.options;
    const now = this.now();
    const restores = (await store.restoreMarks()).filter((m) => isLiveMark(m, now));
    return heldSpans(stationId, await store.operationHolds(), restores);
  }

  /** Drop the unit's fixes before `before` outside the held spans. */
  private async drop(unit: TrackUnit, before: number, held: readonly TimeSpan[], run: RetentionRun): Promise<void> {
    const batch = Math.max(1, Math.floor(this.options.policy.batch));
    for (const span of spansOutside(Number.MIN_SAFE_INTEGER, before, held)) {
      for (;;) {
        if (this.stopping) return;
        const n = await this.options.store.dropFixesIn(unit.stationId, unit.unitId, span.from, span.to, batch);
        if (n === 0) break;
        this.wrote(run, n);
        run.dropped += n;
        await this.rest();
        if (n < batch) break;
      }
    }
  }

  /** Thin the unit's fixes from its watermark to `end`, page by page, outside the held spans. */
  private async thin(unit: TrackUnit, end: number, held: readonly TimeSpan[], run: RetentionRun): Promise<void> {
    const { store } = this.options;
    const batch = Math.max(2, Math.floor(this.options.policy.batch));
    for (const span of spansOutside(unit.thinnedUntil, end, held)) {
      if (this.stopping) return;
      // The line goes on from the last fix before the span: thinned, or kept whole in a held window.
      let previous: PositionFix | null = await store.lastFixBefore(unit.stationId, unit.unitId, span.from);
      let until = span.from;
      while (until < span.to && !this.stopping) {
        const rows = await store.trackPage(unit.stationId, unit.unitId, until, span.to, batch + 1);
        // A batch ends before a time it does not hold all fixes of (two trackers of one unit).
        let count = rows.length;
        let next = span.to;
        if (rows.length > batch) {
          next = rows[batch]!.time;
          count = rows.findIndex((r) => r.time >= next);
          // More than a batch of fixes at one instant: keep them all and step past it.
          if (count === 0) next += 1;
        }
        const page = rows.slice(0, count);
        const keep = thinTrack(page, { toleranceM: this.options.policy.toleranceM }, previous ?? undefined);
        const remove = page.filter((_, i) => !keep[i]).map((f) => ({ time: f.time, deviceId: f.deviceId }));
        await store.thinFixes(unit.stationId, unit.unitId, remove, next);
        this.wrote(run, remove.length + 1);
        run.thinScanned += page.length;
        run.thinRemoved += remove.length;
        if (page.length) previous = page[page.length - 1]!;
        until = next;
        await this.rest();
      }
    }
  }

  /**
   * Pause after a transaction, in proportion to the time it took; then wait until the store can take
   * the next one without holding up the WAL's restart (a SQLite checkpoint round behind the gate), so that wait never holds the
   * event loop and is not counted as holding it.
   */
  private async rest(): Promise<void> {
    const held = performance.now() - this.batchStart;
    const cpu = process.cpuUsage(this.batchCpu);
    if (this.current) {
      this.current.longestBatchMs = Math.max(this.current.longestBatchMs, held);
      this.current.longestBatchCpuMs = Math.max(this.current.longestBatchCpuMs, (cpu.user + cpu.system) / 1000);
      this.batchMs[Math.min(99, Math.floor(held))]!++;
      this.current.batchP99Ms = percentileOf(this.batchMs, 0.99);
    }
    await this.pause(held);
    await this.options.store.settle?.();
    this.startBatch();
  }

  private startBatch(): void {
    this.batchStart = performance.now();
    this.batchCpu = process.cpuUsage();
  }

  private wrote(run: RetentionRun, rows: number): void {
    run.batches++;
    run.largestBatch = Math.max(run.largestBatch, rows);
    this.options.onProgress?.(run);
  }
}

const newRun = (startedAt: number): RetentionRun => ({
  startedAt,
  finishedAt: null,
  unitsTotal: 0,
  unitsDone: 0,
  thinScanned: 0,
  thinRemoved: 0,
  dropped: 0,
  batches: 0,
  largestBatch: 0,
  longestBatchMs: 0,
  longestBatchCpuMs: 0,
  batchP99Ms: 0,
  heldOperations: 0,
  error: null,
});

/** The upper edge (ms) of the bucket holding the given share of all counts. */
function percentileOf(buckets: readonly number[], share: number): number {
  const total = buckets.reduce((a, b) => a + b, 0);
  let seen = 0;
  for (let ms = 0; ms < buckets.length; ms++) {
    seen += buckets[ms]!;
    if (seen >= total * share) return ms + 1;
  }
  return buckets.length;
}
