import { checkEntry, type Annotation } from '@jointmap/shared';
import { circleRing, distanceM, polygonOf, type Position } from '../map/geometry.ts';
import { i18n } from '../i18n/i18n.svelte.ts';
import { writeErrorText } from '../i18n/error-text.ts';
import { validationText } from '../i18n/validation-text.ts';
import type { OperationSession } from './operation-session.svelte.ts';
import { serverNow } from './server-clock.ts';

/** `task`: the tasks feature's "raise task" tool (its own toolbar button; not in TOOLS). */
export type Tool = 'select' | 'point' | 'line' | 'polygon' | 'circle' | 'text' | 'task';
export const TOOLS: Tool[] = ['select', 'point', 'line', 'polygon', 'circle', 'text'];
export const PALETTE = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#ea580c',
  '#9333ea',
  '#0891b2',
  '#ca8a04',
  '#1e3a8a',
  '#111827',
];

export interface Selection {
  scope: string;
  id: string;
}

export function newAnnotationId(): string {
  return `a-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Drawing and editing state of the console: the tool, the draft being drawn, the selection and a
 * live preview while something is dragged. Writes go through the operation session; anything the
 * server would refuse is caught here and shown, never sent.
 */
export class Editor {
  tool = $state<Tool>('select');
  /** Document new drawings go into (the user's station, or for a commander their choice). */
  drawScope = $state<string | null>(null);
  draft = $state.raw<Position[]>([]);
  cursor = $state.raw<Position | null>(null);
  selected = $state<Selection | null>(null);
  /** Geometry of the selected annotation while it is being dragged (not yet written). */
  preview = $state.raw<Annotation['geometry'] | null>(null);
  error = $state<string | null>(null);
  #mapToolActive = $state(false);
  /** Receives the map click of the `task` tool (set by the tasks feature). */
  onTaskPoint: ((p: Position) => void) | null = null;
  /**
   * A feature that asked for a drawn shape (e.g. an alert rule's zone): the finished line or polygon
   * goes to `done` instead of becoming an annotation. Cleared when the tool changes.
   */
  capture = $state.raw<{ tool: 'line' | 'polygon'; done: (g: GeoJSON.LineString | GeoJSON.Polygon) => void } | null>(
    null,
  );

  constructor(readonly session: OperationSession) {
    const own = session.user.stationId;
    const writable = session.writableScopes;
    this.drawScope = own && writable.includes(own) ? own : (writable[0] ?? null);
  }

  /**
   * Another map tool (measuring, range rings) has the map's clicks: meanwhile no annotation is
   * selected, dragged or deleted, and switching one on drops the selection.
   */
  get mapToolActive(): boolean {
    return this.#mapToolActive;
  }

  set mapToolActive(active: boolean) {
    this.#mapToolActive = active;
    if (active) {
      this.selected = null;
      this.preview = null;
    }
  }

  /** Whether a press or click on the map may select or drag an annotation. */
  get selecting(): boolean {
    return this.tool === 'select' && !this.#mapToolActive;
  }

  /** Select what a map click hit (nothing: clear), unless another map tool has the clicks. */
  select(selection: Selection | null): void {
    if (this.#mapToolActive) return;
    this.selected = selection;
  }

  /** A scope to draw into that is still writable (an operation closed meanwhile is not). */
  get canDraw(): boolean {
    return this.drawScope !== null && this.session.canWrite(this.drawScope);
  }

  setTool(tool: Tool): void {
    if (tool !== 'select' && !this.canDraw) return;
    if (this.capture && this.capture.tool !== tool) this.capture = null;
    this.tool = tool;
    this.draft = [];
    this.cursor = null;
    if (tool !== 'select') this.selected = null;
  }

  cancel(): void {
    if (this.draft.length) this.draft = [];
    else if (this.tool !== 'select') this.setTool('select');
    else this.selected = null;
    this.preview = null;
  }

  /** The selected record (read live from the index). */
  selectedRecord(): Annotation | undefined {
    return this.selected ? this.session.annotations.get(this.selected.scope, this.selected.id) : undefined;
  }

  get selectedWritable(): boolean {
    return this.selected !== null && this.session.canWrite(this.selected.scope);
  }

  /** A map click with a drawing tool. Returns true when it created a record. */
  clickAt(p: Position): boolean {
    switch (this.tool) {
      case 'point':
        return this.create('point', { type: 'Point', coordinates: p }, '');
      case 'text':
        return this.create('text', { type: 'Point', coordinates: p }, i18n.t('annotation.defaultText'));
      case 'line':
      case 'polygon':
        this.draft = [...this.draft, p];
        return false;
      case 'circle':
        if (this.draft.length === 0) {
          this.draft = [p];
          return false;
        }
        return this.finish();
      case 'select':
        return false;
      case 'task':
        this.setTool('select');
        this.onTaskPoint?.(p);
        return false;
    }
  }

  /** Draw a line or polygon for `done` (not an annotation); drawing anything else cancels it. */
  captureShape(tool: 'line' | 'polygon', done: (g: GeoJSON.LineString | GeoJSON.Polygon) => void): void {
    this.setTool(tool);
    if (this.tool === tool) this.capture = { tool, done };
  }

  /** Finish the line, polygon or circle being drawn (double-click, Enter, second circle click). */
  finish(): boolean {
    const pts = this.draft;
    let ok = false;
    const capture = this.capture;
    if (capture && capture.tool === this.tool) {
      const min = capture.tool === 'line' ? 2 : 3;
      if (pts.length < min) return false;
      this.capture = null;
      this.draft = [];
      this.tool = 'select';
      capture.done(
        capture.tool === 'line' ? { type: 'LineString', coordinates: pts } : (polygonOf(pts) as GeoJSON.Polygon),
      );
      return true;
    }
    if (this.tool === 'line' && pts.length >= 2) ok = this.create('line', { type: 'LineString', coordinates: pts }, '');
    else if (this.tool === 'polygon' && pts.length >= 3) ok = this.create('polygon', polygonOf(pts), '');
    else if (this.tool === 'circle' && pts.length === 1 && this.cursor) {
      const radiusM = Math.round(distanceM(pts[0]!, this.cursor));
      if (radiusM > 0) ok = this.create('circle', { type: 'Point', coordinates: pts[0]! }, '', radiusM);
    }
    if (ok || this.tool !== 'circle') this.draft = [];
    return ok;
  }

  /** The geometry of the drawing in progress, including the rubber band to the cursor. */
  draftGeometry(): GeoJSON.Geometry | null {
    const pts = this.cursor ? [...this.draft, this.cursor] : this.draft;
    if (this.draft.length === 0) return null;
    if (this.tool === 'circle' && this.cursor) {
      const r = distanceM(this.draft[0]!, this.cursor);
      return r > 0 ? { type: 'Polygon', coordinates: [circleRing(this.draft[0]!, r)] } : null;
    }
    if (this.tool === 'polygon' && pts.length >= 3) return { type: 'Polygon', coordinates: [[...pts, pts[0]!]] };
    if (pts.length >= 2) return { type: 'LineString', coordinates: pts };
    return null;
  }

  private create(kind: Annotation['kind'], geometry: Annotation['geometry'], label: string, radiusM?: number): boolean {
    const scope = this.drawScope;
    if (!scope) return false;
    const now = serverNow(this.session);
    const record: Annotation = {
      id: newAnnotationId(),
      kind,
      geometry,
      label,
      color: this.session.colorOf(scope),
      author: this.session.user.id,
      createdAt: now,
      updatedAt: now,
      ...(radiusM !== undefined ? { radiusM } : {}),
    };
    if (!this.save(scope, record)) return false;
    this.selected = { scope, id: record.id };
    this.tool = 'select';
    return true;
  }

  /** Replace the selected record with `patch` applied. */
  update(patch: Partial<Annotation>): boolean {
    const current = this.selectedRecord();
    if (!current || !this.selected || !this.selectedWritable) return false;
    // Enter and the change event both report an edit: one undo step per real change.
    const changes = (Object.keys(patch) as Array<keyof Annotation>).some(
      (k) => JSON.stringify(patch[k]) !== JSON.stringify(current[k]),
    );
    if (!changes) return true;
    return this.save(this.selected.scope, { ...current, ...patch, updatedAt: serverNow(this.session) });
  }

  deleteSelected(): void {
    if (!this.selected || !this.selectedWritable || this.#mapToolActive) return;
    this.session.deleteAnnotation(this.selected.scope, this.selected.id);
    this.selected = null;
  }

  private save(scope: string, record: Annotation): boolean {
    // The same check the server applies, worded in the UI's language (field and limit), not the validator's English.
    const problem = checkEntry(this.session.doc(scope)?.kind ?? 'station', 'annotations', record.id, record);
    if (problem) {
      this.error = i18n.t('props.invalid', { problem: validationText(problem.message, problem.issues) });
      return false;
    }
    try {
      this.session.putAnnotation(scope, record);
      this.error = null;
      return true;
    } catch (err) {
      this.error = i18n.t('props.invalid', { problem: writeErrorText(err) });
      return false;
    }
  }
}
