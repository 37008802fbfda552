import * as Y from 'yjs';
import { createSubscriber } from 'svelte/reactivity';
import {
  COMMAND_SCOPE,
  LiveEvent,
  type AlertRule,
  type AlertsMessage,
  type CoverageMessage,
  type DocKind,
  type Unit,
} from '@jointmap/shared';
import { AnnotationIndex } from '../sync/annotation-index.ts';
import type { OperationData, StationDetail } from '../state/operation-data.ts';
import type { OperationSession } from '../state/operation-session.svelte.ts';
import { scopedRecords, scopedRules } from '../state/station-records.ts';
import { effectiveUnitsOf } from '../state/effective-units.ts';
import type { SessionUser } from '../state/session.svelte.ts';
import { applyChanges, applyRecords } from './apply-records.ts';
import type { DocChanges } from './state-diff.ts';
import type { ReplayPositionsBody, ReplayState } from '@jointmap/shared';
import { ReplayPositions } from './replay-positions.svelte.ts';

/** One replayed document: the page's own Y.Doc, never connected to the server. */
export interface ReplayDoc {
  scope: string;
  kind: DocKind;
  doc: Y.Doc;
  readonly access: 'read';
}

/**
 * An operation at a replayed moment, for the map layers and boards the console and the wall use:
 * it has the parts of `OperationSession` they read (documents, annotations, records, stations,
 * positions) and is read-only. Its documents are new local Y.Docs filled from the server's replay
 * of the update log; no sync connection, no live channel, no write path exists here.
 */
export class ReplaySession {
  readonly docs: ReplayDoc[];
  readonly annotations = new AnnotationIndex();
  readonly stations: StationDetail[];
  readonly live: ReplayPositions;
  readonly closed = true;
  readonly writableScopes: string[] = [];
  private readonly subscribeRecords: () => void;
  private readonly subscribeAnnotations: () => void;
  private lastAlerts: string | null = null;

  constructor(
    readonly data: OperationData,
    readonly user: SessionUser,
  ) {
    const view = data.view;
    this.stations = view.stationDetails;
    this.docs = [COMMAND_SCOPE, ...view.stations].map((scope) => ({
      scope,
      kind: scope === COMMAND_SCOPE ? 'command' : 'station',
      doc: new Y.Doc(),
      access: 'read',
    }));
    for (const d of this.docs) this.annotations.attach(d.scope, d.doc);
    this.live = new ReplayPositions(view.id);
    // Readers of records re-run when a record map changed (not for annotations), at most once a frame.
    this.subscribeRecords = createSubscriber((update) => {
      let frame = 0;
      const changed = () => {
        if (!frame) frame = requestAnimationFrame(() => ((frame = 0), update()));
      };
      const maps = this.docs.flatMap((d) =>
        (d.kind === 'station'
          ? ['units', 'tasks', 'responses', 'rules']
          : ['tasks', 'searches', 'sectors', 'rules']
        ).map((m) => d.doc.getMap(m)),
      );
      for (const m of maps) m.observe(changed);
      return () => {
        cancelAnimationFrame(frame);
        for (const m of maps) m.unobserve(changed);
      };
    });
    this.subscribeAnnotations = createSubscriber((update) => this.annotations.subscribe(update));
  }

  /** What a page that expects an open operation takes: the parts read by layers and boards are here. */
  asOperation(): OperationSession {
    // The map layers and boards are typed on the live session; they read only what this class has.
    return this as unknown as OperationSession;
  }

  /** Show the documents as the server replayed them at a moment. */
  applyState(state: ReplayState): void {
    for (const d of state.docs) {
      const mine = this.doc(d.scope);
      if (mine && d.json) applyRecords(mine.doc, d.json);
    }
  }

  /** Show a moment from its differences to the moment shown before (the fetch worker's answer). */
  applyChanges(changes: readonly DocChanges[]): void {
    for (const c of changes) {
      const mine = this.doc(c.scope);
      if (mine) applyChanges(mine.doc, c.set, c.del);
    }
  }

  applyPositions(body: ReplayPositionsBody): void {
    this.live.set(body.at, body.positions, body.thresholds);
  }

  /**
   * Alerts at the moment, to the alert layer and badges the way the live channel sends them. A live
   * full message never moves an alert back to an earlier state; a moment earlier than the last one
   * must, so the held alerts are dropped first.
   */
  applyAlerts(msg: AlertsMessage): void {
    // Most moments have the alerts of the one before: nothing is redrawn then.
    const same = JSON.stringify(msg.alerts);
    if (same === this.lastAlerts) return;
    this.lastAlerts = same;
    this.live.emit(LiveEvent.alerts, { ...msg, alerts: [] });
    this.live.emit(LiveEvent.alerts, msg);
  }

  /** Coverage at the moment, to the sector layer the way the live channel would send it. */
  applyCoverage(msg: CoverageMessage): void {
    this.live.emit(LiveEvent.coverage, msg);
  }

  get annotationsVersion(): number {
    this.subscribeAnnotations();
    return this.annotations.version;
  }

  get commandDoc(): ReplayDoc {
    return this.docs[0]!;
  }

  doc(scope: string): ReplayDoc | undefined {
    return this.docs.find((d) => d.scope === scope);
  }

  station(id: string): StationDetail | undefined {
    return this.stations.find((s) => s.id === id);
  }

  canWrite(): boolean {
    return false;
  }

  colorOf(scope: string): string {
    return this.station(scope)?.color ?? '#1e3a8a';
  }

  records<T>(map: 'units' | 'tasks' | 'responses'): Array<{ scope: string; record: T }> {
    this.subscribeRecords();
    return scopedRecords<T>(this.docs, map);
  }

  private readonly releasedUnits = new WeakMap<Unit, Unit>();

  /** The units at the moment as the boards and the map show them (`OperationSession.effectiveUnits`). */
  readonly effectiveUnits: readonly Unit[] = $derived.by(() => effectiveUnitsOf(this, this.releasedUnits));

  commandRecords<T>(map: 'searches' | 'sectors'): T[] {
    this.subscribeRecords();
    return [...this.commandDoc.doc.getMap<T>(map).values()];
  }

  rules(): Array<{ scope: string; record: AlertRule }> {
    this.subscribeRecords();
    return scopedRules(this.docs);
  }

  destroy(): void {
    this.live.destroy();
    this.annotations.destroy();
    for (const d of this.docs) d.doc.destroy();
  }
}
