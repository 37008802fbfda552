import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import { unitKey, type Alert, type AlertsMessage, type NamedDoc } from '@jointmap/shared';
import type { LiveService } from '../live/live-service.ts';
import { isPositionless, type PositionlessReport, type RelayedFix } from '../live/relay.ts';
import type { RoomManager } from '../rooms/room-manager.ts';
import { touchesAny } from '../rooms/room-options.ts';
import type { Storage } from '../storage/types.ts';
import { alertRecord } from './alert-record.ts';
import { FixGate } from './fix-gate.ts';
import { alertMetrics } from './alert-metrics.ts';
import { fullAlertsMessage, pressEpisode } from './alert-history.ts';
import { OperationDocs, unitState, type OperationAlerts } from './operation-docs.ts';
import { deviceOf, evaluatePositionless, pressResolved, recordPressEnd } from './positionless-alarm.ts';
import { RuleIndex } from './rule-index.ts';
import { ANY_DEVICE, holdsPress, pressSince, sosDraft } from './sos-press.ts';
import {
  checkSilence,
  evaluateFix,
  type AlertDraft,
  type EvaluatorSettings,
  type UnitState,
} from './unit-evaluator.ts';

export interface AlertServiceOptions {
  storage: Storage;
  rooms: Pick<RoomManager, 'get'>;
  /** Without `onPositionless` (test doubles), no fix sent without a position is heard. */
  live: Pick<LiveService, 'onFix' | 'snapshot'> & Partial<Pick<LiveService, 'onPositionless' | 'wantHeartbeats'>>;
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

/**
 * A device holding an SOS press whose alarm comes again has the store read at most this often
 * (ms, server clock) to tell whether commanders resolved the press on another instance.
 */
export const RESOLVED_READ_MS = 5_000;

/** How a fix reaches the evaluator: as it comes in, held while documents were read, or replayed after a start. */
type Judged = 'live' | 'held' | 'replayed';

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
  private readonly pending = new Set<Promise<unknown>>();
  private readonly unsubscribe: () => void;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly metrics;
  /** Reads each operation's rules and rosters (at load, and when a document commits). */
  private readonly docs: OperationDocs;

  constructor(private readonly o: AlertServiceOptions) {
    this.now = o.now ?? Date.now;
    this.metrics = alertMetrics(o.registry);
    this.docs = new OperationDocs({
      ...o,
      ops: this.ops,
      metrics: this.metrics,
      now: () => this.now(),
      isClosed: () => this.closed,
      track: (promise) => this.track(promise),
      follow: (id) => void this.operation(id),
      replayed: (op, pos, alerted) => this.evaluate(op, pos, 'replayed', alerted),
    });
    const off = [
      o.live.onFix((pos) => this.onFix(pos)),
      o.live.onPositionless?.((r) => this.onFix(r)),
      o.live.wantHeartbeats?.((r) => this.mayEndPress(r)),
    ];
    this.unsubscribe = () => off.forEach((f) => f?.());
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

  /** Whether this engine follows the operation (judges fixes for it). */
  follows(operationId: string): boolean {
    return this.ops.has(operationId);
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
    if (!existing.read.has(doc.scope)) return;
    this.docs.reread(existing, doc.scope);
  }

  /**
   * Hints from other instances may have been lost (a break in the Redis link): every followed
   * operation's documents are read again, and active operations created meanwhile followed.
   */
  async resync(): Promise<void> {
    if (this.closed) return;
    for (const op of this.ops.values()) for (const scope of op.read) this.docs.reread(op, scope);
    try {
      for (const row of await this.o.storage.listOperations()) if (row.status === 'active') this.operation(row.id);
    } catch (err) {
      this.o.log.warn({ err }, 'alerts: operations not listed after a break in the link');
    }
  }

  /** Every unresolved alert and the newest resolved ones (sent on join / reconnect). */
  fullMessage(operationId: string): Promise<AlertsMessage> {
    return fullAlertsMessage(this.o.storage, operationId, this.now());
  }

  /**
   * An alert changed state (acknowledged, resolved) on this instance: tell the operation's viewers.
   * A resolved SOS ends its press here at once ({@link endResolvedPress}).
   */
  changed(alert: Alert): void {
    this.metrics.handled.inc({ state: alert.state });
    if (alert.kind === 'sos' && alert.state === 'resolved') this.endResolvedPress(alert);
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
      if (op.gate.isClosed) continue;
      for (const [key, state] of op.units) {
        for (const d of checkSilence(op.index, state, op.kinds.get(key) ?? null, now)) void this.raise(op, state, d);
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
    const op = this.ops.get(id);
    if (op) return op;
    // Fixes that waited for an operation forgotten meanwhile (closed) are not judged.
    const gate = new FixGate<RelayedFix>(
      (pos) => void (this.ops.get(id) === created && this.evaluate(created, pos, 'held')),
    );
    const created: OperationAlerts = {
      id,
      stations: new Set(),
      index: new RuleIndex(this.o.settings.marginM),
      units: new Map(),
      kinds: new Map(),
      gate,
      read: new Set(),
      reads: new Map(),
    };
    this.ops.set(id, created);
    void this.track(this.docs.load(created));
    return created;
  }

  /**
   * Whether a heartbeat (no position, no alarm) may end an SOS press: its device holds one in an
   * operation followed, or an operation's fixes wait (loading, a document read again), so its state
   * is not known yet. Only then is it relayed and heard (`LiveService.wantHeartbeats`).
   */
  private mayEndPress(r: PositionlessReport): boolean {
    if (this.closed) return false;
    for (const op of this.ops.values()) {
      if (op.gate.isClosed) return true;
      if (!op.stations.has(r.stationId)) continue;
      const state = op.units.get(unitKey(r.stationId, r.unitId));
      if (state && holdsPress(state, r.deviceId)) return true;
    }
    return false;
  }

  private onFix(pos: RelayedFix): void {
    if (this.closed) return;
    const started = performance.now();
    for (const op of this.ops.values()) {
      if (!op.stations.has(pos.stationId) && !op.gate.isLoading) continue;
      if (!op.gate.offer(pos)) this.evaluate(op, pos);
    }
    this.metrics.evaluation.observe((performance.now() - started) / 1000);
  }

  /** A `held` or `replayed` fix: judged by the rules that stood then; `alerted`: a stay alerted already, not raised. */
  private evaluate(op: OperationAlerts, pos: RelayedFix, how: Judged = 'live', alerted?: (d: AlertDraft) => boolean) {
    if (!op.stations.has(pos.stationId)) return;
    const key = unitKey(pos.stationId, pos.unitId);
    const state = unitState(op, pos.stationId, pos.unitId);
    try {
      let drafts: AlertDraft[];
      if (isPositionless(pos)) {
        const ended: string[] = [];
        drafts = evaluatePositionless(state, pos, ended);
        if (ended.length) this.endPress(op, state, pos, ended);
      } else drafts = evaluateFix(op.index, this.o.settings, state, pos, op.kinds.get(key) ?? null, how !== 'live');
      const swallowed = pos.alarm !== null && !drafts.some((d) => d.kind === 'sos');
      if (swallowed && how !== 'replayed' && holdsPress(state, pos.deviceId)) this.resumeResolved(op, state, pos);
      for (const d of drafts) {
        if (!alerted?.(d))
          void this.raise(op, state, how === 'replayed' && d.kind === 'sos' ? { ...d, late: true } : d);
      }
    } catch (err) {
      this.o.log.error({ err, operation: op.id, unit: pos.unitId }, 'alerts: fix not evaluated');
    }
  }

  /**
   * Store the alert (ignored when it exists), then send it. What is pending settles once it is
   * stored, also for a late alarm (its episode read first), so that the end of a press waits for it.
   */
  private raise(op: OperationAlerts, state: UnitState, d: AlertDraft): Promise<unknown> {
    if (d.late) {
      // A late or replayed alarm fix: its press starts where the stored run of alarm fixes does (none if raised).
      const episode = pressEpisode(this.o.storage, op.id, state.stationId, state.unitId, d.time, d.deviceId);
      return this.track(
        episode.then((start) => start !== null && this.raise(op, state, { ...d, episode: start, late: false })),
      );
    }
    const alert = alertRecord(op.id, state, d, this.now());
    return this.track(
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

  /**
   * A report without a position ended presses (`ended`: its device's, and one of no known device):
   * no track holds that end, so it is written on each press's alert ({@link recordPressEnd}), once
   * the alerts being stored are.
   */
  private endPress(op: OperationAlerts, state: UnitState, report: PositionlessReport, ended: string[]): void {
    const { stationId, unitId } = state;
    void this.track(
      Promise.allSettled([...this.pending])
        .then(() => recordPressEnd(this.o.storage, op.id, stationId, unitId, report.time, ended))
        .catch((err: unknown) =>
          this.o.log.error({ err, operation: op.id, unit: unitId }, 'alerts: end of an SOS press not stored'),
        ),
    );
  }

  /**
   * Commanders resolved SOS `alert` on this instance: the press its device holds ends at once, if it
   * began with that alert (not after its time: an older alert resolved late ends no newer press),
   * so the device's next alarm is the next SOS. A press begun after it (a replay starts one at the
   * newest alarm fix of the track) is read from the store on the device's next alarm, without
   * waiting out {@link RESOLVED_READ_MS}. Other instances read it so ({@link resumeResolved}).
   */
  private endResolvedPress(alert: Alert): void {
    const op = this.ops.get(alert.operationId);
    const state = op?.units.get(unitKey(alert.stationId, alert.unitId));
    if (!op || !state) return;
    const device = deviceOf(alert);
    const since = state.presses.get(device);
    if (since !== undefined && since <= alert.time) state.presses.delete(device);
    state.resolveReads?.last.clear();
  }

  /**
   * An alarm of a device holding a press raised nothing: if commanders resolved that press's SOS
   * (on another instance, or before a restart: {@link pressResolved}), the press is over and this
   * alarm starts the next one, raised. An alarm not newer than the press's start belongs to it or an
   * earlier one, and never starts one. The store is read at most once per {@link RESOLVED_READ_MS}
   * per held press (a tracker repeats its alarm on every fix, up to once a second), one read at a
   * time: on an instance other than the one it was resolved on, the next SOS of the device comes
   * with its first alarm after the next read, at most that long after the resolve. A press that
   * changed meanwhile (ended, or begun anew) is left as it is.
   */
  private resumeResolved(op: OperationAlerts, state: UnitState, pos: RelayedFix): void {
    const since = pressSince(state, pos.deviceId);
    if (since === null || pos.time <= since) return;
    const device = pos.deviceId;
    const reads = (state.resolveReads ??= { last: new Map(), running: new Set() });
    const now = this.now();
    const last = reads.last.get(device);
    if (reads.running.has(device) || (last?.since === since && now - last.at < RESOLVED_READ_MS)) return;
    reads.running.add(device);
    reads.last.set(device, { since, at: now });
    const { stationId, unitId } = state;
    void this.track(
      Promise.allSettled([...this.pending])
        .then(() => pressResolved(this.o.storage, op.id, stationId, unitId, device))
        .then((resolved) => {
          if (!resolved || this.closed || this.ops.get(op.id) !== op) return;
          if (pressSince(state, device) !== since) return;
          if (!state.presses.has(device)) state.presses.delete(ANY_DEVICE);
          state.presses.set(device, pos.time);
          return this.raise(op, state, sosDraft(state, pos, false));
        })
        .catch((err: unknown) =>
          this.o.log.error({ err, operation: op.id, unit: unitId }, 'alerts: resolved SOS press not read'),
        )
        .finally(() => reads.running.delete(device)),
    );
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    const done = () => void this.pending.delete(promise);
    promise.then(done, done);
    return promise;
  }
}
