import * as Y from 'yjs';
import {
  AppError,
  COMMAND_SCOPE,
  docName,
  type Alert,
  type AlertsMessage,
  type CoverageMessage,
  type Principal,
  type ReplayDocState,
  type ReplayPositionsBody,
  type ReplayState,
  type ReplayTimeline,
  type UnitPosition,
} from '@jointmap/shared';
import type { AppContext } from '../services/context.ts';
import { getVisibleOperation } from '../services/operations.ts';
import { toUnitPosition } from '../live/live-service.ts';
import { sharedWindows } from '../live/track.ts';
import type { Operation } from '../storage/types.ts';
import { alertPages } from '../report/alert-pages.ts';
import { walkEvents } from './events-walk.ts';
import { docJson } from './doc-json.ts';
import { ReplayCoverage } from './replay-coverage.ts';
import { ReplayTaskEnds } from './replay-task-ends.ts';
import { ReplayUnitTasks } from './replay-unit-tasks.ts';
import { alertsAt } from './replay-alerts.ts';
import { storedDocAt } from './stored-moment.ts';
import { replayMoment } from './replay-moment.ts';

/**
 * Replay of an operation (复盘回放): its documents at any moment rebuilt from the stored update
 * logs, its events, and its units' positions from the track store. Read-only: nothing here loads
 * a room or touches a live document; every document it builds is a new Y.Doc, destroyed after use.
 * Anyone who may see the operation may replay it (the report's rule).
 */
export class ReplayService {
  /** Units' task history per station roster, for replayed coverage (kept: a few KB a roster). */
  private readonly unitTasks: ReplayUnitTasks;
  /** When each task ended and was reopened, per operation, for replayed coverage (kept; walked on). */
  readonly taskEnds: ReplayTaskEnds;
  /** Coverage trackers of the searches replayed last, carried on to later moments. */
  readonly coverages: ReplayCoverage;

  constructor(private readonly ctx: AppContext) {
    this.unitTasks = new ReplayUnitTasks(ctx.storage);
    this.taskEnds = new ReplayTaskEnds(ctx.storage);
    this.coverages = new ReplayCoverage(ctx.storage, this.unitTasks, this.taskEnds);
  }

  /**
   * Every document at `at`, always from the stored checkpoints (one checkpoint and about
   * REPLAY_CHECKPOINT_EVERY updates per document; checkpoints are stored as logs grow and on
   * restore). No document of an operation is kept in memory between requests.
   */
  async state(user: Principal, operationId: string, at: number, format: 'json' | 'yjs'): Promise<ReplayState> {
    const op = await this.visible(user, operationId);
    const docs = await Promise.all(
      [COMMAND_SCOPE, ...op.stations].map(async (scope) => {
        const { doc, updates } = await storedDocAt(this.ctx.storage, docName(op.id, scope), at);
        try {
          return docState(scope, updates, doc, format);
        } finally {
          doc.destroy();
        }
      }),
    );
    return { operationId: op.id, at, docs };
  }

  /**
   * The slider's range and the events: every log walked from the store, one update at a time
   * (events-walk.ts), plus every stored alert (read a page at a time, none left out).
   */
  async timeline(user: Principal, operationId: string): Promise<ReplayTimeline> {
    const op = await this.visible(user, operationId);
    const walked = await walkEvents(this.ctx.storage, op.id, [COMMAND_SCOPE, ...op.stations]);
    const now = Date.now();
    const events = walked.events;
    for await (const page of alertPages(this.ctx.storage, op.id))
      for (const a of page)
        events.push({
          // When it was stored: from that moment on the replay shows it.
          time: a.raisedAt,
          kind: 'alert',
          stationId: a.stationId,
          userId: null,
          title: a.ruleName,
          status: a.kind,
          unitId: a.unitId,
        });
    events.sort((a, b) => a.time - b.time);
    return {
      operationId: op.id,
      from: Math.min(op.createdAt, walked.first ?? op.createdAt),
      to: op.closedAt ?? Math.max(now, walked.last ?? now),
      updates: walked.updates,
      events,
    };
  }

  /**
   * Each unit's newest fix at a moment, within the operation's own window: from its start (a fix
   * from before it is none of its record, and an archive holds only the window's fixes, so the
   * original and a restored copy show the same) to its close or now (`replayMoment`).
   */
  async positions(user: Principal, operationId: string, moment: number): Promise<ReplayPositionsBody> {
    const op = await this.visible(user, operationId);
    const at = replayMoment(op, moment, Date.now());
    const operations = await this.ctx.storage.listOperations();
    const positions: UnitPosition[] = [];
    for (const stationId of op.stations) {
      // Another station's fixes only from the time the user shares with it (as its tracks).
      const span = sharedWindows(user, stationId, operations).find((w) => w.from <= at && at <= w.to);
      const from = Math.max(op.createdAt, span?.from ?? Infinity);
      if (!span || at < from) continue;
      for (const unitId of await this.ctx.storage.trackUnitsOfStation(stationId)) {
        // The track store orders a unit's fixes by time, then device id: the newest-fix rule.
        const fix = await this.ctx.storage.lastFixBefore(stationId, unitId, Math.min(at, span.to) + 1);
        if (fix && fix.time >= from) positions.push(toUnitPosition(fix));
      }
    }
    const { staleAfterMs, lostAfterMs } = this.ctx.config;
    return { operationId: op.id, at, thresholds: { staleAfterMs, lostAfterMs }, positions };
  }

  /**
   * Search-sector coverage at a moment, as the live channel's `live:coverage` message (`full`). It
   * reads the stations' fixes, so the moment is bounded as for positions (`replayMoment`): closing
   * an operation ends none of its searches, and a sector's coverage would go on reading its
   * station's fixes after the close. The fixes are read a page at a time, and a search's tracker is
   * carried on to a later moment while what it was built from holds (`ReplayCoverage`).
   */
  async coverage(user: Principal, operationId: string, moment: number): Promise<CoverageMessage> {
    const op = await this.visible(user, operationId);
    const at = replayMoment(op, moment, Date.now());
    const { doc: command } = await storedDocAt(this.ctx.storage, docName(op.id, COMMAND_SCOPE), at);
    try {
      const sectors = await this.coverages.at(op, command, at);
      return { operationId: op.id, serverTime: at, full: true, sectors };
    } finally {
      command.destroy();
    }
  }

  /**
   * Every alert stored by a moment, each in the state it had then, as a full `live:alerts` message
   * (newest first, as the live channel lists them). The store selects them by `raisedAt`, so an
   * operation's later alerts never crowd out those of an early moment.
   */
  async alerts(user: Principal, operationId: string, at: number): Promise<AlertsMessage> {
    const op = await this.visible(user, operationId);
    const alerts: Alert[] = [];
    for await (const page of alertPages(this.ctx.storage, op.id, { raisedUntil: at }))
      alerts.push(...alertsAt(page, at));
    return { operationId: op.id, serverTime: at, full: true, alerts };
  }

  private async visible(user: Principal, operationId: string): Promise<Operation> {
    const op = await getVisibleOperation(this.ctx, user, operationId);
    if (op.purgedAt != null)
      throw new AppError('OPERATION_PURGED', `operation ${op.id} was purged; restore its archive`);
    return op;
  }
}

function docState(scope: string, updates: number, doc: Y.Doc, format: 'json' | 'yjs'): ReplayDocState {
  const out: ReplayDocState = { scope, updates };
  if (format === 'yjs') out.state = Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64');
  else out.json = docJson(doc);
  return out;
}
