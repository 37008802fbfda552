import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import { Histogram, type Registry } from 'prom-client';
import {
  AppError,
  backoffDelay,
  COMMAND_SCOPE,
  docName,
  lngLat,
  META_OPERATION_KEY,
  operationDocNames,
  type OperationMeta,
  type NamedDoc,
  readMap,
  type CoverageMessage,
  type Search,
  type Sector,
  type UnitKey,
  type UnitPosition,
} from '@jointmap/shared';
import type { LiveService } from '../live/live-service.ts';
import type { RoomManager } from '../rooms/room-manager.ts';
import { touchesAny } from '../rooms/room-options.ts';
import type { Storage } from '../storage/types.ts';
import {
  coverageDef,
  currentSectors,
  searchInterest,
  searchSignature,
  sectorsOfSearch,
  sectorStart,
} from './search-sectors.ts';
import { newOperationCoverage, type OperationCoverage, type SearchCoverage } from './operation-coverage.ts';
import { PendingWork } from './pending-work.ts';
import { storedSweep } from './stored-sweep.ts';
import { WalkSlots } from './walk-slots.ts';

export interface CoverageServiceOptions {
  storage: Storage;
  /** Command documents are read through the loaded rooms. */
  rooms: Pick<RoomManager, 'get'>;
  /** The position stream (every stored fix) and the latest fix per unit. */
  live: Pick<LiveService, 'onFix' | 'snapshot' | 'stationsWithUnit'>;
  registry: Registry;
  /** Changes are sent per operation at most once per this many ms. */
  flushMs: number;
  /** Send a message to every live viewer of the operation. */
  emit(operationId: string, msg: CoverageMessage): void;
  log: Pick<FastifyBaseLogger, 'error'>;
  /** A read or rebuild that failed is tried again after this long (ms, default 1000), doubling up to a minute. */
  retryMs?: number;
  /** Walks of operations' stored logs (`TaskEndsWalk`) run at once at most (default {@link WALKS_AT_ONCE}). */
  walksAtOnce?: number;
  now?: () => number;
}

/**
 * Walks of the stored logs run at once: each holds a Y.Doc of every document of its operation, and
 * at start-up every active operation's walk asks at once.
 */
const WALKS_AT_ONCE = 2;

/** Maps whose changes can end or reopen a task. */
const TASK_MAPS = ['tasks', 'responses'];

/**
 * Live search-sector coverage (`live:coverage`). Follows the command documents' `searches` and
 * `sectors`, the station rosters (through the room manager's commit hook) and every stored fix;
 * keeps a `CoverageTracker` per active search, rebuilt from the track store when its sectors change
 * (created, reassigned, redrawn, new sweep width, its task ended or reopened) and fed incrementally
 * by fixes otherwise. Closed and found searches keep their last fractions and stop updating; a
 * search whose task ended counts nothing from then on (see `TaskEndHistory`; the spells before the
 * operation was followed are walked from the stored logs beside the reads, `TaskEndsWalk`, and its
 * searches rebuilt once they are known). A read or rebuild that failed (storage) is tried again, a
 * little later each time, until it succeeds. Changes go out per operation at most once per
 * `flushMs`, holding only sectors whose fraction changed.
 */
export class CoverageService {
  private readonly ops = new Map<string, OperationCoverage>();
  private readonly work = new PendingWork();
  private readonly unsubscribe: () => void;
  private readonly fixSeconds: Histogram;
  private readonly now: () => number;
  private readonly retryMs: number;
  /** Shared by every operation's walk of its stored logs. */
  private readonly walkSlots: WalkSlots;
  private closed = false;

  constructor(private readonly o: CoverageServiceOptions) {
    this.now = o.now ?? Date.now;
    this.retryMs = o.retryMs ?? 1000;
    this.walkSlots = new WalkSlots(o.walksAtOnce ?? WALKS_AT_ONCE);
    this.fixSeconds = new Histogram({
      name: 'jointmap_coverage_fix_seconds',
      help: 'Time to apply one stored position fix to the coverage of every active search',
      buckets: [0.000_01, 0.000_05, 0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.05],
      registers: [o.registry],
    });
    this.unsubscribe = o.live.onFix((pos) => this.onFix(pos));
  }

  /**
   * Follow every active operation (once, at start): its rosters and command document are read in
   * the background, so the server answers meanwhile (a full message waits for them).
   */
  async start(): Promise<void> {
    const ops = await this.o.storage.listOperations();
    for (const op of ops) if (op.status === 'active') this.operation(op.id);
  }

  /**
   * Room manager hook: a document's update was committed (`roots`: the maps it changed); a command
   * document is re-read when its sectors or searches may have changed, and every document's tasks
   * when a task may have ended or been reopened.
   */
  onCommitted(doc: NamedDoc, roots?: ReadonlySet<string>): void {
    if (this.closed) return;
    const op = this.ops.get(doc.operationId);
    if (doc.kind === 'station') {
      if (!op) return;
      op.stations?.add(doc.scope);
      if (touchesAny(roots, ['units'])) void this.readRoster(op, doc.scope, this.now());
      if (touchesAny(roots, TASK_MAPS)) this.tasksChanged(op);
      return;
    }
    if (doc.kind !== 'command') return;
    if (!op) this.operation(doc.operationId);
    else if (touchesAny(roots, TASK_MAPS)) this.tasksChanged(op);
    // `meta`: the operation closed, and its coverage stops where it closed.
    else if (touchesAny(roots, ['sectors', 'searches', 'meta'])) void this.scheduleRead(op);
  }

  /**
   * Changes made on other instances may have been missed (a break in the link): every followed
   * operation's command document and tasks are read again (a task may have ended meanwhile).
   */
  resync(): void {
    if (this.closed) return;
    for (const op of this.ops.values()) this.tasksChanged(op);
  }

  /**
   * Every sector of the operation with its coverage (sent after the positions snapshot). It waits
   * for the operation's first read, not for the walk of its stored logs (`TaskEndsWalk`): coverage
   * that walk corrects is sent again as a change.
   */
  async fullMessage(operationId: string): Promise<CoverageMessage> {
    const op = this.operation(operationId);
    await op.ready;
    return {
      operationId,
      serverTime: this.now(),
      full: true,
      sectors: [...op.sectors.keys()].sort().map((id) => op.outbox.get(id)),
    };
  }

  /** Resolves when no read, rebuild or pending flush is left (tests; shutdown). */
  whenIdle(): Promise<void> {
    return this.work.idle();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    for (const op of this.ops.values()) {
      op.outbox.close();
      op.taskEnds.close();
      op.retry?.cancel();
      op.retry = null;
    }
    await this.whenIdle();
  }

  private operation(id: string): OperationCoverage {
    let op = this.ops.get(id);
    if (op) return op;
    const created = newOperationCoverage(
      id,
      { flushMs: this.o.flushMs, work: this.work, emit: this.o.emit, now: this.now },
      {
        ...{ store: this.o.storage, work: this.work, retryMs: this.retryMs, slots: this.walkSlots },
        // Its searches are rebuilt with the walked spells (unless no longer followed).
        onReady: () => {
          if (this.ops.get(id) === created && !this.closed) void this.scheduleRead(created);
        },
        log: (err, retryInMs) =>
          this.o.log.error({ err, operation: id, retryInMs }, 'coverage: task ends not walked; retrying'),
      },
    );
    op = created;
    this.ops.set(id, op);
    op.ready = this.scheduleRead(op);
    return op;
  }

  /** The operation's stations, with every roster read (first read); throws when one is not read. */
  private async readRosters(op: OperationCoverage): Promise<Set<string>> {
    const at = this.now();
    const stations = (await this.o.storage.getOperation(op.id))?.stations ?? [];
    await Promise.all(stations.map((scope) => op.units.read(this.o.rooms, docName(op.id, scope), scope, at)));
    return new Set(stations);
  }

  /** A station's roster changed (or is read first): note which task each unit is on from `at`. */
  private readRoster(op: OperationCoverage, scope: string, at: number): Promise<void> {
    return this.work.track(
      op.units
        .read(this.o.rooms, docName(op.id, scope), scope, at)
        .catch((err: unknown) => this.o.log.error({ err, operation: op.id, scope }, 'coverage: roster not read')),
    );
  }

  /** A task may have ended or been reopened: its searches count from the time of the commit. */
  private tasksChanged(op: OperationCoverage): void {
    op.tasks.changed(this.now());
    void this.scheduleRead(op);
  }

  /**
   * Re-read the command document; reads of one operation run one at a time, coalesced. One that
   * failed is tried again after a backoff (and at the next change), until one succeeds.
   */
  private scheduleRead(op: OperationCoverage): Promise<void> {
    if (op.reading) {
      op.readAgain = true;
      return op.reading;
    }
    const run = async () => {
      try {
        do {
          op.readAgain = false;
          await this.readCommand(op);
        } while (op.readAgain && !this.closed);
      } finally {
        // As the loop ends, not a turn later: a read asked for meanwhile would be lost.
        op.reading = null;
      }
    };
    const reading = this.work.track(
      run().then(
        () => this.readSucceeded(op),
        (err: unknown) => this.readFailed(op, err),
      ),
    );
    op.reading = reading;
    return reading;
  }

  private readSucceeded(op: OperationCoverage): void {
    op.failures = 0;
    op.retry?.cancel();
    op.retry = null;
  }

  private readFailed(op: OperationCoverage, err: unknown): void {
    if (err instanceof AppError && err.code === 'OPERATION_PURGED') {
      // Followed again once restored: its first commit, or a viewer joining, asks for it.
      this.o.log.error({ err, operation: op.id }, 'coverage: operation purged; not followed');
      op.outbox.close();
      op.taskEnds.close();
      op.retry?.cancel();
      return void this.ops.delete(op.id);
    }
    const retryInMs = backoffDelay(op.failures++, { baseMs: this.retryMs, maxMs: 60_000 });
    this.o.log.error({ err, operation: op.id, retryInMs }, 'coverage: command document read failed; retrying');
    if (this.closed || op.retry) return;
    op.retry = this.work.later(retryInMs, () => {
      op.retry = null;
      void this.scheduleRead(op);
    });
  }

  private async readCommand(op: OperationCoverage): Promise<void> {
    if (this.closed) return;
    op.stations ??= await this.readRosters(op);
    const room = await this.o.rooms.get(docName(op.id, COMMAND_SCOPE));
    const meta = readMap<OperationMeta>(room.doc, 'meta').get(META_OPERATION_KEY);
    for (const scope of meta?.stations ?? []) op.stations.add(scope);
    const names = operationDocNames(op.id, [...op.stations]);
    // The task ends and reopenings before the operation was followed, from the stored logs, so a
    // restart keeps a task's ended spells: walked beside the reads, adopted by the first read after.
    await op.taskEnds.step(op.tasks, names);
    // Read even while the operation has no search: a search merged later (drawn on a console that
    // was offline) may start before a task end that only this history dates.
    await op.tasks.read(this.o.rooms, names, this.now());
    if (this.closed) return;
    const searches = readMap<Search>(room.doc, 'searches');
    // Sectors of a split their search no longer uses (a concurrent creation's) are not followed.
    op.sectors = new Map(
      currentSectors(readMap<Sector>(room.doc, 'sectors').values(), searches.values()).map((s) => [s.id, s]),
    );
    // A closed operation's coverage stops at its close: later patrols (for other operations) do
    // not sweep it, so the record reads as replay at the closing time shows it.
    const closedAt = meta?.status === 'closed' ? meta.updatedAt : null;
    op.outbox.prune();
    for (const [id, entry] of op.searches) {
      if (searches.has(id)) continue;
      entry.generation++;
      op.searches.delete(id);
    }
    const rebuilds: Promise<void>[] = [];
    for (const search of searches.values()) {
      const sectors = sectorsOfSearch(search, op.sectors.values());
      const signature = `${searchSignature(search, sectors)}|${closedAt ?? ''}|${op.tasks.signature(search.taskId)}`;
      let entry = op.searches.get(search.id);
      const isNew = !entry;
      if (entry && entry.signature === signature) {
        entry.search = search;
        continue;
      }
      const interest = searchInterest(sectors);
      entry ??= { search, signature, interest, tracker: null, buffer: null, generation: 0 };
      op.searches.set(search.id, entry);
      entry.search = search;
      entry.signature = signature;
      entry.interest = interest;
      if (search.status === 'active') {
        rebuilds.push(this.rebuild(op, entry, sectors, closedAt ?? Number.MAX_SAFE_INTEGER));
      } else if (isNew) {
        // Not followed since it ended (e.g. after a restart): its fractions as they were when it ended.
        rebuilds.push(this.rebuild(op, entry, sectors, search.updatedAt));
      } else {
        entry.generation++;
        entry.tracker = null;
        entry.buffer = null;
      }
    }
    // Every rebuild runs to its end; the first failure fails the read (which is tried again).
    const failed = (await Promise.allSettled(rebuilds)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Replace a search's tracker by one built from the stored tracks up to `to`. An active search
   * (`to` = no limit) keeps the new tracker and also applies the fixes that arrived meanwhile; an
   * ended one (or one whose operation closed at `to`) only records its fractions. One that failed
   * is forgotten (the next read builds it as new) and throws.
   */
  private async rebuild(op: OperationCoverage, entry: SearchCoverage, sectors: Sector[], to: number): Promise<void> {
    const active = entry.search.status === 'active' && to === Number.MAX_SAFE_INTEGER;
    const generation = ++entry.generation;
    entry.buffer = active ? [] : null;
    try {
      const search = entry.search;
      const onTask = (u: UnitKey, taskId: string, time: number) => op.units.onTask(u, taskId, time);
      const taskEnded = (taskId: string, time: number) => op.tasks.ended(taskId, time);
      const defs = sectors.map((s) => coverageDef(s, search, onTask, taskEnded));
      const from = Math.min(...sectors.map((s) => sectorStart(s, search)));
      const sweep = await storedSweep(this.o, defs, entry.interest, from, to);
      if (generation !== entry.generation || this.closed) return;
      for (const p of entry.buffer ?? []) sweep.add(p, p.lngLat[0], p.lngLat[1], p.time, p.receivedAt);
      entry.tracker = active ? sweep.tracker : null;
      entry.buffer = null;
      for (const s of sectors) op.outbox.set(s.id, sweep.tracker.fraction(s.id), sweep.updatedAt.get(s.id) ?? null);
    } catch (err) {
      if (generation !== entry.generation) return;
      entry.tracker = null;
      entry.buffer = null;
      if (op.searches.get(entry.search.id) === entry) op.searches.delete(entry.search.id);
      throw new Error(`coverage of search ${entry.search.id} not rebuilt`, { cause: err });
    }
  }

  private onFix(pos: UnitPosition): void {
    if (this.closed) return;
    const started = performance.now();
    try {
      for (const op of this.ops.values()) {
        for (const entry of op.searches.values()) {
          if (!entry.tracker && !entry.buffer) continue;
          if (!entry.interest.unitIds.has(pos.unitId) && !entry.interest.stationIds.has(pos.stationId)) continue;
          if (entry.buffer) {
            entry.buffer.push(pos);
            continue;
          }
          const tracker = entry.tracker!;
          const key = { unitId: pos.unitId, stationId: pos.stationId };
          for (const id of tracker.addFix(key, lngLat(pos.lngLat[0], pos.lngLat[1]), pos.time, pos.deviceId)) {
            op.outbox.set(id, tracker.fraction(id), pos.receivedAt);
          }
        }
      }
    } catch (err) {
      this.o.log.error({ err, unit: pos.unitId }, 'coverage: fix not applied');
    } finally {
      this.fixSeconds.observe((performance.now() - started) / 1000);
    }
  }
}
