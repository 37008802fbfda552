import * as Y from 'yjs';
import { LiveEvent, type AlertsMessage, type CoverageMessage, type DocKind } from '@jointmap/shared';
import type { OperationData } from '../state/operation-data.ts';
import type { OperationSession } from '../state/operation-session.svelte.ts';
import { OperationReader } from '../state/operation-reader.svelte.ts';
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
 * positions: `OperationReader`) and is read-only. Its documents are new local Y.Docs filled from
 * the server's replay of the update log; no sync connection, no live channel, no write path exists here.
 */
export class ReplaySession extends OperationReader<ReplayDoc> {
  readonly live: ReplayPositions;
  readonly closed = true;
  readonly writableScopes: string[] = [];
  private lastAlerts: string | null = null;

  constructor(data: OperationData, user: SessionUser) {
    const openDoc = (scope: string, kind: DocKind): ReplayDoc => ({ scope, kind, doc: new Y.Doc(), access: 'read' });
    // A moment is applied whole: readers of annotations follow it at once.
    super(data, user, openDoc, 'each-change');
    this.live = new ReplayPositions(data.view.id);
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

  canWrite(): boolean {
    return false;
  }

  destroy(): void {
    this.live.destroy();
    this.annotations.destroy();
    for (const d of this.docs) d.doc.destroy();
  }
}
