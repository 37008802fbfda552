import { SvelteSet } from 'svelte/reactivity';
import {
  countWithinRings,
  lngLat,
  rankUnitsByEta,
  unitKey,
  type LngLat,
  type RankedUnit,
  type RankInput,
  type Task,
  type Unit,
} from '@jointmap/shared';
import type { OperationSession } from '../../state/operation-session.svelte.ts';
import type { StationDetail } from '../../state/operation-data.ts';
import { dispatchBlock, sendUnits, taskEnded, type DispatchBlock, type WriteFailure } from './dispatch-actions.ts';
import { dispatchModel, taskTarget, type DispatchModel } from './dispatch-model.ts';

/** Why a row cannot be ticked: the account may not move the unit, or it is already on this task. */
export type RowBlock = DispatchBlock | 'onTask';

export interface RankingRow {
  /** `unitKey(stationId, unitId)`: two stations may both have a unit of one id. */
  key: string;
  unit: Unit;
  ranked: RankedUnit;
  station: StationDetail | undefined;
  block: RowBlock | null;
}

/**
 * The nearest-unit ranking of one task for the dispatch panel: every unit of every station ranked
 * by estimated arrival (`rankUnitsByEta`, stale/lost fixes last), the ring counts, the ticked units
 * and the one-click dispatch. Units are the session's `effectiveUnits`: one left on an ended task,
 * or on one its station declined, counts as available. Re-derives when records change, on new
 * fixes and when a unit's freshness changes (at most once a frame).
 */
export class DispatchRanking {
  /** Off: available units only (and those already on the task); on: every unit. */
  showAll = $state(false);
  /** Ticked units, by `unitKey`. */
  readonly selected = new SvelteSet<string>();
  readonly model: DispatchModel;

  constructor(
    private readonly session: OperationSession,
    private readonly getTask: () => Task,
  ) {
    this.model = dispatchModel(session.data.view.dispatch);
  }

  /** Whether the task has ended (`taskEnded`): it takes no more units. */
  readonly ended: boolean = $derived.by(() => taskEnded(this.session, this.getTask().id));

  readonly target: LngLat | null = $derived.by(() => taskTarget(this.getTask()));

  /** Every unit of the operation, ranked (null: the task has no location or area). */
  readonly ranked: RankingRow[] | null = $derived.by(() => {
    const target = this.target;
    if (!target) return null;
    const live = this.session.live;
    void live.version;
    const taskId = this.getTask().id;
    // A unit still recorded on a task that ended, or on one its station declined, is available
    // (the server releases it in a moment). Rows are shown only while this task has not ended.
    const units = new Map(this.session.effectiveUnits.map((u) => [unitKey(u.stationId, u.id), u]));
    const inputs: RankInput[] = [...units.entries()].map(([key, u]) => {
      const p = live.positionOf(key);
      return {
        unitId: u.id,
        stationId: u.stationId,
        kind: u.kind,
        status: u.status,
        position: p ? lngLat(p.lngLat[0], p.lngLat[1]) : null,
        fixTime: p?.time ?? null,
      };
    });
    return rankUnitsByEta(inputs, target, live.now(), this.model.eta, live.thresholds).map((ranked) => {
      const key = unitKey(ranked.stationId, ranked.unitId);
      const unit = units.get(key)!;
      const block = unit.assignedTaskId === taskId ? 'onTask' : dispatchBlock(this.session, unit);
      return { key, unit, ranked, station: this.session.station(unit.stationId), block };
    });
  });

  /** The rows the list shows: available units (the default) or all of them. */
  readonly rows: RankingRow[] = $derived.by(() =>
    (this.ranked ?? []).filter((r) => this.showAll || r.unit.status === 'available'),
  );

  /** Units inside each ring (live or stale fix, own ETA within the minutes), of the listed units. */
  readonly ringCounts = $derived.by(() =>
    countWithinRings(
      this.rows.map((r) => r.ranked),
      this.model.ringMinutes,
    ),
  );

  /**
   * Units on this task, in callsign order, as every view shows them (`effectiveUnits`): one left
   * on it after it ended, or after its station declined it, is not listed.
   */
  readonly assigned: Unit[] = $derived.by(() => {
    const taskId = this.getTask().id;
    return this.session.effectiveUnits
      .filter((u) => u.assignedTaskId === taskId)
      .sort((a, b) => a.callsign.localeCompare(b.callsign, 'zh-CN'));
  });

  /**
   * Ticked units that may still be sent: shown in the list and not blocked. A row that became
   * blocked, or left the list (its station sent the unit elsewhere, so it is no longer available),
   * no longer counts: 派单 sends only what the commander can see ticked.
   */
  readonly ticked: Unit[] = $derived.by(() =>
    this.rows.filter((r) => r.block === null && this.selected.has(r.key)).map((r) => r.unit),
  );

  /** Tick or untick a unit (by `unitKey`). */
  toggle(key: string, on: boolean): void {
    if (on) this.selected.add(key);
    else this.selected.delete(key);
  }

  /** 派单: every ticked unit `en_route` to the task, one write per station; clears the ticks. */
  dispatch(): WriteFailure[] {
    const units = this.ticked;
    if (!units.length || this.ended) return [];
    const failures = sendUnits(this.session, units, this.getTask().id);
    this.selected.clear();
    return failures;
  }
}
