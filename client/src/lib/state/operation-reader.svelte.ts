import { createSubscriber } from 'svelte/reactivity';
import { COMMAND_SCOPE, scopeKind, type AlertRule, type DocKind, type Unit } from '@jointmap/shared';
import { i18n } from '../i18n/i18n.svelte.ts';
import { AnnotationIndex } from '../sync/annotation-index.ts';
import type { OperationData, StationDetail } from './operation-data.ts';
import type { SessionUser } from './session.svelte.ts';
import { scopedRecords, scopedRules, type RecordsDoc } from './station-records.ts';
import { effectiveUnitsOf } from './effective-units.ts';
import { perFrameSubscriber } from './per-frame-subscriber.ts';

/**
 * How readers of `annotationsVersion` follow the annotations: at most once per frame (the live
 * session, where every keystroke of a colleague is a change), or at each change (the replay, which
 * applies a whole moment at once).
 */
export type AnnotationUpdates = 'per-frame' | 'each-change';

/** How `scopeName` names a scope it has no short name for, and the command. */
export interface ScopeNameOptions {
  /** For a scope that is neither the command nor a station in the registry (default: its id). */
  unknown?: string;
  /** The command's label (default "指挥部", `scope.command`). */
  command?: string;
}

/** Makes the session's document of one scope (`command` or a station id). */
export type OpenDoc<D> = (scope: string, kind: DocKind) => D;

/**
 * The read side of an operation that the live session (`OperationSession`) and the replayed one
 * (`ReplaySession`) share: its documents (the command document first, then each station's), the
 * annotation index over them, its stations, and the records and rules the boards and map layers
 * read. Readers of records re-run when a record map changed (not for annotations), at most once a frame.
 */
export abstract class OperationReader<D extends RecordsDoc> {
  readonly annotations = new AnnotationIndex();
  /** The command document first, then each station's in the order of the view (as `operationDocNames`). */
  readonly docs: D[];
  readonly stations: StationDetail[];
  private readonly subscribeRecords: () => void;
  private readonly subscribeAnnotations: () => void;

  protected constructor(
    readonly data: OperationData,
    readonly user: SessionUser,
    openDoc: OpenDoc<D>,
    annotationUpdates: AnnotationUpdates,
  ) {
    this.docs = [COMMAND_SCOPE, ...data.view.stations].map((scope) => openDoc(scope, scopeKind(scope)));
    this.stations = data.view.stationDetails;
    for (const d of this.docs) this.annotations.attach(d.scope, d.doc);
    this.subscribeRecords = perFrameSubscriber((changed) => {
      const maps = this.docs.flatMap((d) =>
        (d.kind === 'station'
          ? ['units', 'tasks', 'responses', 'rules']
          : ['tasks', 'searches', 'sectors', 'rules']
        ).map((m) => d.doc.getMap(m)),
      );
      for (const m of maps) m.observe(changed);
      return () => {
        for (const m of maps) m.unobserve(changed);
      };
    });
    this.subscribeAnnotations =
      annotationUpdates === 'per-frame'
        ? perFrameSubscriber((changed) => this.annotations.subscribe(changed))
        : createSubscriber((update) => this.annotations.subscribe(update));
  }

  /** Changes whenever annotations changed (see `AnnotationUpdates`): read it to re-derive. */
  get annotationsVersion(): number {
    this.subscribeAnnotations();
    return this.annotations.version;
  }

  get commandDoc(): D {
    return this.docs[0]!;
  }

  doc(scope: string): D | undefined {
    return this.docs.find((d) => d.scope === scope);
  }

  station(id: string): StationDetail | undefined {
    return this.stations.find((s) => s.id === id);
  }

  /**
   * A scope as the UI names it: the command's label (`command`, else "指挥部"), a station's short
   * name, else `unknown` (the id itself unless told otherwise: a station no longer in the registry
   * has no details).
   */
  scopeName(scope: string, { unknown = scope, command }: ScopeNameOptions = {}): string {
    if (scope === COMMAND_SCOPE) return command ?? i18n.t('scope.command');
    return this.station(scope)?.shortName ?? unknown;
  }

  /** Colour for new drawings in a scope: the station's colour, the command's dark blue. */
  colorOf(scope: string): string {
    return this.station(scope)?.color ?? '#1e3a8a';
  }

  /** Records of one kind with their scopes (`scopedRecords`), re-read at most once per frame. */
  records<T>(map: 'units' | 'tasks' | 'responses'): Array<{ scope: string; record: T }> {
    this.subscribeRecords();
    return scopedRecords<T>(this.docs, map);
  }

  /** The copy of each released unit record (`effectiveUnitsOf`), kept while it stays released. */
  private readonly releasedUnits = new WeakMap<Unit, Unit>();

  /**
   * Every unit as every view shows it (`effectiveUnitsOf`): one left on a task that ended, or that
   * its station declined, is available with no task. Derived once for all views, re-read at most
   * once per frame.
   */
  readonly effectiveUnits: readonly Unit[] = $derived.by(() => effectiveUnitsOf(this, this.releasedUnits));

  /** Records of the command document (`searches`, `sectors`), re-read at most once per frame. */
  commandRecords<T>(map: 'searches' | 'sectors'): T[] {
    this.subscribeRecords();
    return [...this.commandDoc.doc.getMap<T>(map).values()];
  }

  /** Alert rules of every document with their scopes (`scopedRules`), re-read at most once per frame. */
  rules(): Array<{ scope: string; record: AlertRule }> {
    this.subscribeRecords();
    return scopedRules(this.docs);
  }
}
