import type * as Y from 'yjs';
import {
  AppError,
  applyChange,
  type Change,
  type ChangeOrigin,
  type DocKind,
  type RecordChange,
} from '@jointmap/shared';

/** The collection whose records the console undoes (drawings); tasks, units and rules are not undone. */
export const UNDONE_MAP = 'annotations';
/** Steps kept for undo: older ones are forgotten, so a long shift does not hold every past value. */
export const UNDO_LIMIT = 500;
/** How long the console says that an undo or redo was skipped. */
export const SKIP_NOTICE_MS = 5000;

/** A document this session writes: where a step is applied. */
export interface UndoTarget {
  scope: string;
  doc: Y.Doc;
  kind: DocKind;
}

/** One record a step changed: its value before this session's change and the value the change left (undefined: absent). */
interface StepEntry {
  key: string;
  before: unknown;
  after: unknown;
}

interface UndoStep {
  scope: string;
  entries: StepEntry[];
}

export type UndoDirection = 'undo' | 'redo';

/**
 * This session's own drawing changes, undone and redone in order across its documents. A step is
 * applied only while every record it touched is still as this session left it: once someone else
 * has changed or deleted one since, the step is dropped instead (undoing it would bring back a
 * deleted drawing or overwrite a colleague's edit for everyone) and `skipped` says so for a while.
 * Undo and redo are ordinary writes through `applyChange` with the session's origin, so they are
 * validated, sent and audited like any other edit.
 */
export class SessionUndo {
  /** The last undo or redo was dropped because the record changed since; cleared after a few seconds. */
  skipped = $state<UndoDirection | null>(null);
  private undoStack = $state.raw<UndoStep[]>([]);
  private redoStack = $state.raw<UndoStep[]>([]);
  private skipTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param origin the session's origin, tagged on every write, undo and redo
   * @param writable the document of a scope while this session may write it, else null
   */
  constructor(
    private readonly origin: ChangeOrigin,
    private readonly writable: (scope: string) => UndoTarget | null,
  ) {}

  get canUndo(): boolean {
    return this.topWritable(this.undoStack);
  }

  get canRedo(): boolean {
    return this.topWritable(this.redoStack);
  }

  /**
   * Apply `change` to `target` and, when it touches drawings, remember it as one undo step (and
   * forget every redo step). Throws AppError, changing nothing, when `applyChange` refuses it.
   */
  write(target: UndoTarget, change: Change): void {
    const keys = [...new Set(flatten(change).flatMap((c) => (c.map === UNDONE_MAP ? [c.key] : [])))];
    const map = target.doc.getMap(UNDONE_MAP);
    const before = keys.map((key) => map.get(key));
    applyChange(target.doc, target.kind, change, this.origin);
    if (!keys.length) return;
    const entries = keys.map((key, i) => ({ key, before: before[i], after: map.get(key) }));
    this.undoStack = [...this.undoStack.slice(-(UNDO_LIMIT - 1)), { scope: target.scope, entries }];
    this.redoStack = [];
    this.setSkipped(null);
  }

  undo(): void {
    const step = this.take('undo');
    if (step) this.redoStack = [...this.redoStack, step];
  }

  redo(): void {
    const step = this.take('redo');
    if (step) this.undoStack = [...this.undoStack, step];
  }

  /** Forget every step (the operation was closed: nothing may be changed back). */
  clear(): void {
    this.undoStack = [];
    this.redoStack = [];
  }

  destroy(): void {
    clearTimeout(this.skipTimer);
  }

  /**
   * Pop the next step of `direction` and apply it when its records are as this session left them.
   * Returns the step when applied, null when there was none or it was dropped.
   */
  private take(direction: UndoDirection): UndoStep | null {
    const stack = direction === 'undo' ? this.undoStack : this.redoStack;
    const step = stack.at(-1);
    // Undoing in a closed operation would change only this console (and its IndexedDB copy):
    // the server refuses it, and the two would never agree again.
    const target = step && this.writable(step.scope);
    if (!step || !target) return null;
    if (direction === 'undo') this.undoStack = stack.slice(0, -1);
    else this.redoStack = stack.slice(0, -1);
    const map = target.doc.getMap(UNDONE_MAP);
    const expected = (e: StepEntry) => (direction === 'undo' ? e.after : e.before);
    const wanted = (e: StepEntry) => (direction === 'undo' ? e.before : e.after);
    if (!step.entries.every((e) => sameValue(map.get(e.key), expected(e)))) return this.drop(direction);
    const changes = step.entries.map((e): RecordChange =>
      wanted(e) === undefined
        ? { type: 'delete', map: UNDONE_MAP, key: e.key }
        : { type: 'put', map: UNDONE_MAP, key: e.key, value: wanted(e) },
    );
    try {
      applyChange(target.doc, target.kind, { type: 'batch', changes }, this.origin);
    } catch (err) {
      // The old value no longer fits beside the records around it: as if someone had changed it.
      if (err instanceof AppError) return this.drop(direction);
      throw err;
    }
    this.setSkipped(null);
    return step;
  }

  private drop(direction: UndoDirection): null {
    this.setSkipped(direction);
    return null;
  }

  private setSkipped(direction: UndoDirection | null): void {
    clearTimeout(this.skipTimer);
    this.skipped = direction;
    if (direction) this.skipTimer = setTimeout(() => (this.skipped = null), SKIP_NOTICE_MS);
  }

  private topWritable(stack: UndoStep[]): boolean {
    const scope = stack.at(-1)?.scope;
    return scope !== undefined && this.writable(scope) !== null;
  }
}

function flatten(change: Change): RecordChange[] {
  return change.type === 'batch' ? change.changes.flatMap(flatten) : [change];
}

/** Deep equality of two plain JSON values (records as stored in a document), whatever their key order. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bs = b as unknown[];
    return a.length === bs.length && a.every((v, i) => sameValue(v, bs[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao);
  return (
    keys.length === Object.keys(bo).length &&
    keys.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && sameValue(ao[k], bo[k]))
  );
}
