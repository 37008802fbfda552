import type { FastifyBaseLogger } from 'fastify';
import type { Gauge } from 'prom-client';
import {
  backoffDelay,
  COMMAND_SCOPE,
  docName,
  readMap,
  unitKey,
  type AlertRule,
  type Unit,
  type UnitKind,
  type UnitPosition,
} from '@jointmap/shared';
import type { LiveService } from '../live/live-service.ts';
import type { RelayedFix } from '../live/relay.ts';
import type { RoomManager } from '../rooms/room-manager.ts';
import type { Storage } from '../storage/types.ts';
import type { FixGate } from './fix-gate.ts';
import { carryAcrossHoursChange } from './hours-change.ts';
import { replayOperation } from './operation-replay.ts';
import { SEED_LOOKBACK_MS } from './replay-seed.ts';
import type { RuleIndex } from './rule-index.ts';
import { loggedRuleTimes, type LoggedRuleTimes } from './rule-times.ts';
import { newUnitState, type AlertDraft, type EvaluatorSettings, type UnitState } from './unit-evaluator.ts';

/** An operation the alert engine follows: its rules, rosters and units. */
export interface OperationAlerts {
  id: string;
  stations: Set<string>;
  index: RuleIndex;
  units: Map<string, UnitState>;
  kinds: Map<string, UnitKind>;
  /** Fixes (and reports without a position) wait here while the operation loads and while a committed document is read again. */
  gate: FixGate<RelayedFix>;
  /** Documents whose rules the engine has read (a commit to one not read yet waits for the load). */
  read: Set<string>;
  /** Documents whose re-read is running or asked for, coalesced per document (`at`: the newest commit's time). */
  reads: Map<string, { running: Promise<void>; again: boolean; at: number }>;
}

/** The state of a unit of the operation, created when first asked for. */
export function unitState(op: OperationAlerts, stationId: string, unitId: string): UnitState {
  const key = unitKey(stationId, unitId);
  let state = op.units.get(key);
  if (!state) op.units.set(key, (state = newUnitState(stationId, unitId)));
  return state;
}

/** What {@link OperationDocs.readDoc} is given besides the document's name. */
interface DocRead {
  logged?: Map<string, LoggedRuleTimes> | null;
  at?: number;
}

/** What reading the documents of the followed operations needs from the alert engine. */
export interface OperationDocsDeps {
  storage: Storage;
  rooms: Pick<RoomManager, 'get'>;
  live: Pick<LiveService, 'snapshot'>;
  settings: EvaluatorSettings;
  replayMs: number;
  log: Pick<FastifyBaseLogger, 'error' | 'warn'>;
  loadRetryMs?: number;
  /** The operations followed: one no longer active, or whose load failed, is dropped from it. */
  ops: Map<string, OperationAlerts>;
  metrics: { rules: Pick<Gauge, 'set'> };
  /** Server clock. */
  now(): number;
  isClosed(): boolean;
  /** Count the promise among what is pending (`whenIdle`). */
  track<T>(promise: Promise<T>): Promise<T>;
  /** Follow the operation (again, after a failed load). */
  follow(id: string): void;
  /** Judge a fix the replay after a load hands on (`alerted`: a stay alerted already, not raised). */
  replayed(op: OperationAlerts, pos: UnitPosition, alerted: (d: AlertDraft) => boolean): void;
}

/** Longest wait between two reads of an operation that keeps failing (ms). */
const LOAD_RETRY_MAX_MS = 300_000;

/**
 * Reads the rules and unit rosters of the followed operations from their command and station
 * documents: all of them when an operation is loaded (then its recent tracks are replayed), and a
 * document again when it commits.
 */
export class OperationDocs {
  /** Failed reads in a row per operation, so storage that stays away is asked less and less often. */
  private readonly loadFailures = new Map<string, number>();

  constructor(private readonly d: OperationDocsDeps) {}

  /** Read every document of the operation, replay recent tracks, then apply what arrived meanwhile. */
  async load(op: OperationAlerts): Promise<void> {
    const d = this.d;
    try {
      const row = await d.storage.getOperation(op.id);
      if (!row || row.status !== 'active') {
        d.ops.delete(op.id);
        this.loadFailures.delete(op.id);
        return;
      }
      op.stations = new Set(row.stations);
      op.index.operationStart = row.createdAt;
      // Since when each rule stands as it does, from the update log (a replay judges no fix before);
      // only a document holding rules has any to read (a rule added meanwhile stands from now).
      const logSince = Date.now() - d.replayMs - SEED_LOOKBACK_MS;
      for (const scope of [COMMAND_SCOPE, ...row.stations]) {
        const doc = docName(op.id, scope);
        const logged = await loggedRuleTimes(d, doc, logSince);
        await this.readDoc(op, scope, { logged });
      }
      await replayOperation(
        { ...d, now: d.now(), isClosed: () => d.isClosed() },
        op,
        (stationId, unitId) => unitState(op, stationId, unitId),
        (pos, alerted) => d.replayed(op, pos, alerted),
      );
      this.loadFailures.delete(op.id);
    } catch (err) {
      // Rules half read would leave alerts missing without a sign: read it all again, later.
      d.log.error({ err, operation: op.id }, 'alerts: operation could not be loaded; trying again');
      if (d.ops.get(op.id) === op) d.ops.delete(op.id);
      const failures = this.loadFailures.get(op.id) ?? 0;
      this.loadFailures.set(op.id, failures + 1);
      const retry = () => void (!d.isClosed() && !d.ops.has(op.id) && d.follow(op.id));
      const wait = backoffDelay(failures, { baseMs: d.loadRetryMs ?? 10_000, maxMs: LOAD_RETRY_MAX_MS });
      setTimeout(retry, wait).unref();
    } finally {
      // Judged as the replay after a restart will judge them: by the rules that stood when each came in.
      op.gate.loaded();
    }
  }

  /** Read a changed document again: the change stands from now; fixes arriving meanwhile wait (FixGate). */
  reread(op: OperationAlerts, scope: string): void {
    const release = op.gate.hold();
    void this.scheduleRead(op, scope, Date.now()).finally(release);
  }

  /** Re-read a document committed at `at` (coalesced: a commit during a read asks for one more). */
  private scheduleRead(op: OperationAlerts, scope: string, at: number): Promise<void> {
    const current = op.reads.get(scope);
    if (current) {
      current.again = true;
      current.at = at;
      return current.running;
    }
    const entry = { running: Promise.resolve(), again: false, at };
    op.reads.set(scope, entry);
    entry.running = this.d.track(
      (async () => {
        try {
          do {
            entry.again = false;
            await this.readDoc(op, scope, { at: entry.at });
          } while (entry.again && !this.d.isClosed());
        } finally {
          // In the same turn as the last look at `again`: a commit after it starts a new read.
          op.reads.delete(scope);
        }
      })().catch((err: unknown) => this.d.log.error({ err, operation: op.id, scope }, 'alerts: document read failed')),
    );
    return entry.running;
  }

  /**
   * Follow the rules and roster of one document, read from its room: `logged` (see
   * {@link RuleIndex.sync}) at load; a rule that changed stands from `at` (when its commit
   * was seen; by default now).
   */
  private async readDoc(op: OperationAlerts, scope: string, from: DocRead = {}): Promise<void> {
    const d = this.d;
    if (d.isClosed()) return;
    const room = await d.rooms.get(docName(op.id, scope));
    if (d.isClosed()) return;
    const rules = readMap<AlertRule>(room.doc, 'rules');
    // Rule times are on the update log's clock, as a fix's `receivedAt` (not the injectable `now`).
    const at = from.at ?? Date.now();
    const { dropped, changed, rehoured } = op.index.sync(scope, rules, at, from.logged);
    op.read.add(scope);
    for (const key of dropped) for (const state of op.units.values()) state.rules.delete(key);
    for (const { key, before } of rehoured) carryAcrossHoursChange(op.units.values(), op.index.get(key)!, before, at);
    if (changed) d.metrics.rules.set([...d.ops.values()].reduce((n, o) => n + o.index.size, 0));
    if (scope === COMMAND_SCOPE) return;
    for (const key of [...op.kinds.keys()]) if (key.startsWith(unitKey(scope, ''))) op.kinds.delete(key);
    for (const unit of readMap<Unit>(room.doc, 'units').values()) op.kinds.set(unitKey(scope, unit.id), unit.kind);
  }
}
