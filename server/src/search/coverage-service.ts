import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import { Histogram, type Registry } from 'prom-client';
import {
  COMMAND_SCOPE,
  CoverageTracker,
  docName,
  lngLat,
  META_OPERATION_KEY,
  type OperationMeta,
  type NamedDoc,
  readMap,
  unitKey,
  type CoverageMessage,
  type Search,
  type Sector,
  type SectorCoverage,
  type UnitKey,
  type UnitPosition,
} from '@jointmap/shared';
import type { LiveService } from '../live/live-service.ts';
import type { RoomManager } from '../rooms/room-manager.ts';
import { touchesAny } from '../rooms/room-options.ts';
import type { Storage } from '../storage/types.ts';
import {
  coverageDef,
  searchInterest,
  searchSignature,
  sectorsOfSearch,
  sectorStart,
  type SearchInterest,
} from './search-sectors.ts';
import { mergedTracks } from './track-history.ts';
import { UnitTaskHistory } from './unit-task-history.ts';

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
  now?: () => number;
}

/** One search of an operation and, while it is active, its tracker. */
interface SearchCoverage {
  search: Search;
  signature: string;
  interest: SearchInterest;
  tracker: CoverageTracker | null;
  /** Fixes that arrived while the tracker was being rebuilt (null: no rebuild running). */
  buffer: UnitPosition[] | null;
  /** Bumped by every rebuild and freeze, so a superseded rebuild drops its result. */
  generation: number;
}

interface OperationCoverage {
  id: string;
  /** The first read of the command document (and the rebuilds it started). */
  ready: Promise<void>;
  /** The first read of the station rosters: a sector's units sweep only while on the search's task. */
  rosters: Promise<void>;
  units: UnitTaskHistory;
  sectors: Map<string, Sector>;
  searches: Map<string, SearchCoverage>;
  /** Coverage of every sector that belongs to a search; others are at 0. */
  values: Map<string, SectorCoverage>;
  /** Fraction last sent per sector, so a flush sends only what changed. */
  sent: Map<string, number>;
  dirty: Set<string>;
  /** The pending flush, and what settles its entry in `pending`. */
  timer: { handle: NodeJS.Timeout; settle: () => void } | null;
  reading: Promise<void> | null;
  readAgain: boolean;
}

/**
 * Live search-sector coverage (`live:coverage`). Follows the command documents' `searches` and
 * `sectors`, the station rosters (through the room manager's commit hook) and every stored fix;
 * keeps a `CoverageTracker` per active search, rebuilt from the track store when its sectors change
 * (created, reassigned, redrawn, new sweep width) and fed incrementally by fixes otherwise.
 * Closed and found searches keep their last fractions and stop updating. Changes go out per
 * operation at most once per `flushMs`, holding only sectors whose fraction changed.
 */
export class CoverageService {
  private readonly ops = new Map<string, OperationCoverage>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly unsubscribe: () => void;
  private readonly fixSeconds: Histogram;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly o: CoverageServiceOptions) {
    this.now = o.now ?? Date.now;
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
   * document is re-read when its sectors or searches may have changed.
   */
  onCommitted(doc: NamedDoc, roots?: ReadonlySet<string>): void {
    if (this.closed) return;
    if (doc.kind === 'station') {
      const op = this.ops.get(doc.operationId);
      if (op && touchesAny(roots, ['units'])) void this.readRoster(op, doc.scope, this.now());
      return;
    }
    if (doc.kind !== 'command') return;
    const existing = this.ops.get(doc.operationId);
    if (!existing) this.operation(doc.operationId);
    // `meta`: the operation closed, and its coverage stops where it closed.
    else if (touchesAny(roots, ['sectors', 'searches', 'meta'])) this.scheduleRead(existing);
  }

  /** Every sector of the operation with its coverage (sent after the positions snapshot). */
  async fullMessage(operationId: string): Promise<CoverageMessage> {
    const op = this.operation(operationId);
    await op.ready;
    return {
      operationId,
      serverTime: this.now(),
      full: true,
      sectors: [...op.sectors.keys()].sort().map((id) => this.coverageOf(op, id)),
    };
  }

  /** Resolves when no read, rebuild or pending flush is left (tests; shutdown). */
  async whenIdle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    for (const op of this.ops.values()) {
      if (!op.timer) continue;
      clearTimeout(op.timer.handle);
      op.timer.settle();
      op.timer = null;
    }
    await this.whenIdle();
  }

  private operation(id: string): OperationCoverage {
    let op = this.ops.get(id);
    if (op) return op;
    op = {
      id,
      ready: Promise.resolve(),
      rosters: Promise.resolve(),
      units: new UnitTaskHistory(),
      sectors: new Map(),
      searches: new Map(),
      values: new Map(),
      sent: new Map(),
      dirty: new Set(),
      timer: null,
      reading: null,
      readAgain: false,
    };
    this.ops.set(id, op);
    op.rosters = this.readRosters(op);
    op.ready = this.scheduleRead(op);
    return op;
  }

  /** Read every station's roster of the operation (once, when it is first followed). */
  private async readRosters(op: OperationCoverage): Promise<void> {
    const at = this.now();
    const stations = await this.track(this.o.storage.getOperation(op.id)).then(
      (row) => row?.stations ?? [],
      (err: unknown) => (this.o.log.error({ err, operation: op.id }, 'coverage: stations not read'), []),
    );
    await Promise.all(stations.map((scope) => this.readRoster(op, scope, at)));
  }

  /** A station's roster changed (or is read first): note which task each unit is on from `at`. */
  private readRoster(op: OperationCoverage, scope: string, at: number): Promise<void> {
    return this.track(
      op.units
        .read(this.o.rooms, docName(op.id, scope), scope, at)
        .catch((err: unknown) => this.o.log.error({ err, operation: op.id, scope }, 'coverage: roster not read')),
    );
  }

  private coverageOf(op: OperationCoverage, sectorId: string): SectorCoverage {
    return op.values.get(sectorId) ?? { sectorId, fraction: 0, updatedAt: null };
  }

  /** Re-read the command document; reads of one operation run one at a time, coalesced. */
  private scheduleRead(op: OperationCoverage): Promise<void> {
    if (op.reading) {
      op.readAgain = true;
      return op.reading;
    }
    const run = async () => {
      do {
        op.readAgain = false;
        await this.readCommand(op);
      } while (op.readAgain && !this.closed);
    };
    const reading = this.track(
      run().catch((err: unknown) =>
        this.o.log.error({ err, operation: op.id }, 'coverage: command document read failed'),
      ),
    ).finally(() => (op.reading = null));
    op.reading = reading;
    return reading;
  }

  private async readCommand(op: OperationCoverage): Promise<void> {
    await op.rosters;
    if (this.closed) return;
    const room = await this.o.rooms.get(docName(op.id, COMMAND_SCOPE));
    if (this.closed) return;
    op.sectors = readMap<Sector>(room.doc, 'sectors');
    const searches = readMap<Search>(room.doc, 'searches');
    // A closed operation's coverage stops at its close: later patrols (for other operations) do
    // not sweep it, so the record reads as replay at the closing time shows it.
    const meta = readMap<OperationMeta>(room.doc, 'meta').get(META_OPERATION_KEY);
    const closedAt = meta?.status === 'closed' ? meta.updatedAt : null;
    for (const id of [...op.values.keys()]) {
      if (op.sectors.has(id)) continue;
      op.values.delete(id);
      op.sent.delete(id);
      op.dirty.delete(id);
    }
    for (const [id, entry] of op.searches) {
      if (searches.has(id)) continue;
      entry.generation++;
      op.searches.delete(id);
    }
    const rebuilds: Promise<void>[] = [];
    for (const search of searches.values()) {
      const sectors = sectorsOfSearch(search, op.sectors.values());
      const signature = `${searchSignature(search, sectors)}|${closedAt ?? ''}`;
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
    await Promise.all(rebuilds);
  }

  /**
   * Replace a search's tracker by one built from the stored tracks up to `to`. An active search
   * (`to` = no limit) keeps the new tracker and also applies the fixes that arrived meanwhile; an
   * ended one (or one whose operation closed at `to`) only records its fractions.
   */
  private async rebuild(op: OperationCoverage, entry: SearchCoverage, sectors: Sector[], to: number): Promise<void> {
    const active = entry.search.status === 'active' && to === Number.MAX_SAFE_INTEGER;
    const generation = ++entry.generation;
    entry.buffer = active ? [] : null;
    try {
      const search = entry.search;
      const onTask = (u: UnitKey, taskId: string, time: number) => op.units.onTask(u, taskId, time);
      const defs = sectors.map((s) => coverageDef(s, search, onTask));
      const from = Math.min(...sectors.map((s) => sectorStart(s, search)));
      const fixes = sectors.length
        ? await mergedTracks(this.o.storage, await this.unitsOf(entry.interest), from, to)
        : [];
      if (generation !== entry.generation || this.closed) return;
      const tracker = new CoverageTracker(defs);
      const updatedAt = new Map<string, number>();
      const add = (unitId: string, stationId: string, lng: number, lat: number, time: number, receivedAt: number) => {
        for (const id of tracker.addFix({ unitId, stationId }, lngLat(lng, lat), time)) updatedAt.set(id, receivedAt);
      };
      for (const f of fixes) add(f.unitId, f.stationId, f.lng, f.lat, f.time, f.receivedAt);
      for (const p of entry.buffer ?? []) add(p.unitId, p.stationId, p.lngLat[0], p.lngLat[1], p.time, p.receivedAt);
      entry.tracker = active ? tracker : null;
      entry.buffer = null;
      for (const s of sectors) this.setValue(op, s.id, tracker.fraction(s.id), updatedAt.get(s.id) ?? null);
    } catch (err) {
      if (generation === entry.generation) {
        entry.tracker = null;
        entry.buffer = null;
      }
      this.o.log.error({ err, operation: op.id, search: entry.search.id }, 'coverage: rebuild failed');
    }
  }

  /**
   * Units (station and unit id) whose tracks can count: those of the named unit ids that ever
   * reported (sectors name units by id alone), and every known unit of the named stations.
   */
  private async unitsOf(interest: SearchInterest): Promise<UnitKey[]> {
    const units = new Map<string, UnitKey>();
    const add = (stationId: string, unitId: string) => units.set(unitKey(stationId, unitId), { stationId, unitId });
    for (const unitId of interest.unitIds) for (const s of this.o.live.stationsWithUnit(unitId)) add(s, unitId);
    if (interest.stationIds.size === 0) return [...units.values()];
    for (const p of this.o.live.snapshot([...interest.stationIds])) add(p.stationId, p.unitId);
    for (const station of interest.stationIds) {
      for (const d of await this.o.storage.listDevices(station)) if (d.unitId) add(station, d.unitId);
    }
    return [...units.values()];
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
          for (const id of tracker.addFix(key, lngLat(pos.lngLat[0], pos.lngLat[1]), pos.time)) {
            this.setValue(op, id, tracker.fraction(id), pos.receivedAt);
          }
        }
      }
    } catch (err) {
      this.o.log.error({ err, unit: pos.unitId }, 'coverage: fix not applied');
    } finally {
      this.fixSeconds.observe((performance.now() - started) / 1000);
    }
  }

  private setValue(op: OperationCoverage, sectorId: string, fraction: number, updatedAt: number | null): void {
    op.values.set(sectorId, { sectorId, fraction, updatedAt });
    op.dirty.add(sectorId);
    if (op.timer || this.closed) return;
    let settle = () => {};
    void this.track(new Promise<void>((resolve) => (settle = resolve)));
    const handle = setTimeout(() => {
      op.timer = null;
      try {
        this.flush(op);
      } finally {
        settle();
      }
    }, this.o.flushMs);
    handle.unref();
    op.timer = { handle, settle };
  }

  private flush(op: OperationCoverage): void {
    const sectors: SectorCoverage[] = [];
    for (const id of [...op.dirty].sort()) {
      const value = op.values.get(id);
      if (!value || !op.sectors.has(id) || op.sent.get(id) === value.fraction) continue;
      op.sent.set(id, value.fraction);
      sectors.push(value);
    }
    op.dirty.clear();
    if (sectors.length) this.o.emit(op.id, { operationId: op.id, serverTime: this.now(), full: false, sectors });
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    const done = () => void this.pending.delete(promise);
    promise.then(done, done);
    return promise;
  }
}
