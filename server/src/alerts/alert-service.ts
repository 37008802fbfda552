import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import {
  backoffDelay,
  COMMAND_SCOPE,
  docName,
  type NamedDoc,
  readMap,
  unitKey,
  type Alert,
  type AlertRule,
  type AlertsMessage,
  type Unit,
  type UnitKind,
  type UnitPosition,
} from '@jointmap/shared';
import { toUnitPosition, type LiveService } from '../live/live-service.ts';
import type { RoomManager } from '../rooms/room-manager.ts';
import { touchesAny } from '../rooms/room-options.ts';
import type { Storage } from '../storage/types.ts';
import { alertRecord } from './alert-record.ts';
import { alertMetrics } from './alert-metrics.ts';
import { fullAlertsMessage, pressEpisode, seedZones, zoneAlerts } from './alert-history.ts';
import { ChangeCrossing, SEED_LOOKBACK_MS, seedUnit, storedStops } from './replay-seed.ts';
import { RuleIndex } from './rule-index.ts';
import { ruleTimesFromLog, type LoggedRuleTimes } from './rule-times.ts';
import {
  checkSilence,
  evaluateFix,
  newUnitState,
  type AlertDraft,
  type EvaluatorSettings,
  type UnitState,
} from './unit-evaluator.ts';

export interface AlertServiceOptions {
  storage: Storage;
  rooms: Pick<RoomManager, 'get'>;
  live: Pick<LiveService, 'onFix' | 'snapshot'>;
  registry: Registry;
  settings: EvaluatorSettings;
  /** Signal loss is checked this often (ms). */
  checkMs: number;
  /** At start (and when an operation is first followed), state is rebuilt from this much track (ms). */
  replayMs: number;
  /** Send a message to every live viewer of the operation. */
  emit(operationId: string, msg: AlertsMessage): void;
  log: Pick<FastifyBaseLogger, 'error' | 'warn'>;
  /** Server clock (tests inject one to drive signal loss). */
  now?: () => number;
  /** An operation whose documents could not be read is read again after this long (ms, default 10 s), doubled after each failure in a row up to 5 min. */
  loadRetryMs?: number;
}

interface OperationAlerts {
  id: string;
  stations: Set<string>;
  index: RuleIndex;
  units: Map<string, UnitState>;
  kinds: Map<string, UnitKind>;
  /** Fixes that arrived while the operation was being loaded (null once loaded). */
  buffer: UnitPosition[] | null;
  /** Documents whose rules the engine has read (a commit to one not read yet waits for the load). */
  read: Set<string>;
  /** Documents whose re-read is running or asked for, coalesced per document. */
  reads: Map<string, { running: Promise<void>; again: boolean }>;
}

/** Longest replayed track per unit (fixes). */
const REPLAY_LIMIT = 20_000;
/** Longest wait between two reads of an operation that keeps failing (ms). */
const LOAD_RETRY_MAX_MS = 300_000;

/**
 * The alert engine on the position stream (`live:alerts`). Follows the rules and unit rosters of
 * every active operation (command and station documents, re-read when one commits) and evaluates
 * each stored fix against the rules near it (see {@link RuleIndex}); signal loss is also checked
 * on a timer. Every alert is written to storage (insert-or-ignore by its deterministic id) before
 * it is sent; a restart rebuilds each unit's state by replaying its recent track, re-raising only
 * what was never stored.
 */
export class AlertService {
  private readonly ops = new Map<string, OperationAlerts>();
  /** Failed reads in a row per operation, so storage that stays away is asked less and less often. */
  private readonly loadFailures = new Map<string, number>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly unsubscribe: () => void;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly metrics;

  constructor(private readonly o: AlertServiceOptions) {
    this.now = o.now ?? Date.now;
    this.metrics = alertMetrics(o.registry);
    this.unsubscribe = o.live.onFix((pos) => this.onFix(pos));
  }

  /**
   * Follow every active operation and start the signal timer. Unit state is rebuilt from storage in
   * the background, yielding between units, so the server answers meanwhile; fixes that arrive
   * before an operation is rebuilt wait and are applied after its replay (`whenIdle` waits for it).
   */
  async start(): Promise<void> {
    const ops = await this.o.storage.listOperations();
    for (const op of ops) if (op.status === 'active') this.operation(op.id);
    if (this.closed) return;
    this.timer = setInterval(() => this.checkSignals(), this.o.checkMs);
    this.timer.unref();
  }

  /** The operation closed: stop watching its units (no alert is raised for a finished record). */
  forget(operationId: string): void {
    this.ops.delete(operationId);
  }

  /**
   * Room manager hook: a document was committed (`roots`: the maps it changed); its rules (and
   * roster) are re-read when they may have changed. An operation not followed yet is followed.
   */
  onCommitted(doc: NamedDoc, roots?: ReadonlySet<string>): void {
    if (this.closed) return;
    const existing = this.ops.get(doc.operationId);
    if (!existing) {
      this.operation(doc.operationId);
      return;
    }
    if (!touchesAny(roots, ['rules', 'units'])) return;
    // At once, also while the operation loads (its replay then judges by the rule only the fixes
    // received after it); a document the load has not read yet is read by it, with its logged times.
    if (existing.read.has(doc.scope)) void this.scheduleRead(existing, doc.scope);
  }

  /** Every unresolved alert and the newest resolved ones (sent on join / reconnect). */
  fullMessage(operationId: string): Promise<AlertsMessage> {
    return fullAlertsMessage(this.o.storage, operationId, this.now());
  }

  /** An alert changed state (acknowledged, resolved): tell the operation's viewers. */
  changed(alert: Alert): void {
    this.metrics.handled.inc({ state: alert.state });
    this.o.emit(alert.operationId, {
      operationId: alert.operationId,
      serverTime: this.now(),
      full: false,
      alerts: [alert],
    });
  }

  /** Check every followed unit for signal loss now (the timer calls this; tests may too). */
  checkSignals(): void {
    if (this.closed) return;
    const now = this.now();
    for (const op of this.ops.values()) {
      if (op.buffer) continue;
      for (const [key, state] of op.units) {
        for (const d of checkSilence(op.index, state, op.kinds.get(key) ?? null, now)) this.raise(op, state, d);
      }
    }
  }

  /** Resolves when no document read or alert write is left (tests; shutdown). */
  async whenIdle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    if (this.timer) clearInterval(this.timer);
    await this.whenIdle();
  }

  private operation(id: string): OperationAlerts {
    let op = this.ops.get(id);
    if (op) return op;
    op = {
      id,
      stations: new Set(),
      index: new RuleIndex(this.o.settings.marginM),
      units: new Map(),
      kinds: new Map(),
      buffer: [],
      read: new Set(),
      reads: new Map(),
    };
    this.ops.set(id, op);
    void this.track(this.load(op));
    return op;
  }

  /** Read every document of the operation, replay recent tracks, then apply what arrived meanwhile. */
  private async load(op: OperationAlerts): Promise<void> {
    try {
      const row = await this.o.storage.getOperation(op.id);
      if (!row || row.status !== 'active') {
        this.ops.delete(op.id);
        this.loadFailures.delete(op.id);
        return;
      }
      op.stations = new Set(row.stations);
      // Since when each rule stands as it does, from the update log (a replay judges no fix before);
      // only a document holding rules has any to read (a rule added meanwhile stands from now).
      const logSince = Date.now() - this.o.replayMs - SEED_LOOKBACK_MS;
      for (const scope of [COMMAND_SCOPE, ...row.stations]) {
        const doc = docName(op.id, scope);
        const room = await this.o.rooms.get(doc);
        const logged = readMap(room.doc, 'rules').size
          ? await ruleTimesFromLog(this.o.storage, doc, logSince).catch((err) => {
              this.o.log.warn({ err, doc }, 'alerts: rule times not read; their updatedAt stands in');
              return null;
            })
          : undefined;
        await this.readDoc(op, scope, logged, room);
      }
      await this.replay(op);
      this.loadFailures.delete(op.id);
    } catch (err) {
      // Rules half read would leave alerts missing without a sign: read it all again, later.
      this.o.log.error({ err, operation: op.id }, 'alerts: operation could not be loaded; trying again');
      if (this.ops.get(op.id) === op) this.ops.delete(op.id);
      const failures = this.loadFailures.get(op.id) ?? 0;
      this.loadFailures.set(op.id, failures + 1);
      const retry = () => void (!this.closed && !this.ops.has(op.id) && this.operation(op.id));
      const wait = backoffDelay(failures, { baseMs: this.o.loadRetryMs ?? 10_000, maxMs: LOAD_RETRY_MAX_MS });
      setTimeout(retry, wait).unref();
    } finally {
      // Judged as the replay after a restart will judge them: by the rules that stood when each came in.
      const buffered = op.buffer ?? [];
      op.buffer = null;
      for (const pos of buffered) this.evaluate(op, pos, 'held');
    }
  }

  private async replay(op: OperationAlerts): Promise<void> {
    const now = this.now();
    const from = now - this.o.replayMs;
    // Zones a unit was already inside when the window opens: staying there is not a new enter.
    const zones = await zoneAlerts(this.o.storage, op.id).catch((err: unknown) => {
      this.o.log.warn({ err, operation: op.id }, 'alerts: stored zone alerts could not be read');
      return new Map<string, Map<string, Alert[]>>();
    });
    const stops = await storedStops(this.o.storage, op.id, from - SEED_LOOKBACK_MS).catch((err: unknown) => {
      this.o.log.warn({ err, operation: op.id }, 'alerts: stored stop alerts could not be read');
      return new Map<string, Alert[]>();
    });
    for (const latest of this.o.live.snapshot([...op.stations])) {
      const key = unitKey(latest.stationId, latest.unitId);
      const state = this.unitState(op, latest.stationId, latest.unitId);
      seedZones(op.index, state, zones.get(key), from);
      // What was ongoing when the window opens (a stop, an overspeed, a stay) began where the stored track says.
      const { storage, settings } = this.o;
      const kind = op.kinds.get(key) ?? null;
      const seed = {
        storage,
        index: op.index,
        settings,
        state,
        kind,
        before: from,
        stops: stops.get(key),
        zones: zones.get(key),
      };
      const stopStarts = await seedUnit(seed, latest.time).catch((err: unknown) => {
        this.o.log.warn({ err, operation: op.id, unit: latest.unitId }, 'alerts: unit state not seeded');
        return new Map<number, [number, number]>();
      });
      const fixes =
        latest.time >= from
          ? await this.o.storage.track(latest.stationId, latest.unitId, from, Number.MAX_SAFE_INTEGER, REPLAY_LIMIT)
          : [];
      if (this.closed) return;
      // better-sqlite3 and the evaluator are synchronous: give the event loop a turn per unit.
      await new Promise((resolve) => setImmediate(resolve));
      const crossing = new ChangeCrossing(op.index, state, zones.get(key));
      for (const f of fixes) {
        crossing.fix(f.receivedAt);
        // A stop whose stored alert names this fix as its start began here, whatever the replay's anchor.
        const anchor = stopStarts.get(f.time);
        if (anchor) state.stop = { anchor, since: f.time };
        // A replayed alarm may belong to a press that began before the window or was raised already.
        this.evaluate(op, toUnitPosition(f), 'replayed');
      }
      // Older than the window: only the last fix is known (enough for signal loss, and a press still held).
      if (!fixes.length && latest.time > state.newest) {
        state.newest = latest.time;
        state.last = latest;
        if (latest.alarm) state.sosSince = latest.time;
      }
    }
  }

  private scheduleRead(op: OperationAlerts, scope: string): Promise<void> {
    const current = op.reads.get(scope);
    if (current) {
      current.again = true;
      return current.running;
    }
    const entry = { running: Promise.resolve(), again: false };
    op.reads.set(scope, entry);
    entry.running = this.track(
      (async () => {
        do {
          entry.again = false;
          await this.readDoc(op, scope);
        } while (entry.again && !this.closed);
      })()
        .catch((err: unknown) => this.o.log.error({ err, operation: op.id, scope }, 'alerts: document read failed'))
        .finally(() => op.reads.delete(scope)),
    );
    return entry.running;
  }

  /** Follow the rules and roster of one document (`logged`: see {@link RuleIndex.sync}). */
  private async readDoc(
    op: OperationAlerts,
    scope: string,
    logged?: Map<string, LoggedRuleTimes> | null,
    loaded?: Pick<Awaited<ReturnType<RoomManager['get']>>, 'doc'>,
  ): Promise<void> {
    if (this.closed) return;
    const room = loaded ?? (await this.o.rooms.get(docName(op.id, scope)));
    if (this.closed) return;
    const rules = readMap<AlertRule>(room.doc, 'rules');
    // Rule times are on the update log's clock, as a fix's `receivedAt` (not the injectable `now`).
    const { dropped, changed } = op.index.sync(scope, rules, Date.now(), logged);
    op.read.add(scope);
    for (const key of dropped) for (const state of op.units.values()) state.rules.delete(key);
    if (changed) this.metrics.rules.set([...this.ops.values()].reduce((n, o) => n + o.index.size, 0));
    if (scope === COMMAND_SCOPE) return;
    for (const key of [...op.kinds.keys()]) if (key.startsWith(unitKey(scope, ''))) op.kinds.delete(key);
    for (const unit of readMap<Unit>(room.doc, 'units').values()) op.kinds.set(unitKey(scope, unit.id), unit.kind);
  }

  private onFix(pos: UnitPosition): void {
    if (this.closed) return;
    const started = performance.now();
    for (const op of this.ops.values()) {
      if (!op.stations.has(pos.stationId) && op.buffer === null) continue;
      if (op.buffer) op.buffer.push(pos);
      else this.evaluate(op, pos);
    }
    this.metrics.evaluation.observe((performance.now() - started) / 1000);
  }

  /** A `held` fix (came in while the operation loaded) or a `replayed` one: judged by the rules that stood then. */
  private evaluate(op: OperationAlerts, pos: UnitPosition, how: 'live' | 'held' | 'replayed' = 'live'): void {
    if (!op.stations.has(pos.stationId)) return;
    const key = unitKey(pos.stationId, pos.unitId);
    const state = this.unitState(op, pos.stationId, pos.unitId);
    try {
      for (const d of evaluateFix(op.index, this.o.settings, state, pos, op.kinds.get(key) ?? null, how !== 'live')) {
        this.raise(op, state, how === 'replayed' && d.kind === 'sos' ? { ...d, late: true } : d);
      }
    } catch (err) {
      this.o.log.error({ err, operation: op.id, unit: pos.unitId }, 'alerts: fix not evaluated');
    }
  }

  private unitState(op: OperationAlerts, stationId: string, unitId: string): UnitState {
    const key = unitKey(stationId, unitId);
    let state = op.units.get(key);
    if (!state) {
      state = newUnitState(stationId, unitId);
      op.units.set(key, state);
    }
    return state;
  }

  /** Store the alert (ignored when it exists), then send it. */
  private raise(op: OperationAlerts, state: UnitState, d: AlertDraft): void {
    if (d.late) {
      // A late or replayed alarm fix: its press starts where the stored run of alarm fixes does (none if raised).
      const episode = pressEpisode(this.o.storage, op.id, state.stationId, state.unitId, d.time);
      void this.track(
        episode.then((start) => start !== null && this.raise(op, state, { ...d, episode: start, late: false })),
      );
      return;
    }
    const alert = alertRecord(op.id, state, d, this.now());
    void this.track(
      this.o.storage.insertAlert(alert).then(
        (inserted) => {
          if (!inserted) return;
          this.metrics.raised.inc({ kind: alert.kind });
          this.o.emit(op.id, { operationId: op.id, serverTime: this.now(), full: false, alerts: [alert] });
        },
        (err: unknown) => this.o.log.error({ err, alert: alert.id }, 'alerts: alert could not be stored'),
      ),
    );
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    const done = () => void this.pending.delete(promise);
    promise.then(done, done);
    return promise;
  }
}
