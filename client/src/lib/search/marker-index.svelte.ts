import type * as Y from 'yjs';
import { createSubscriber } from 'svelte/reactivity';
import type { Annotation } from '@jointmap/shared';
import type { OperationSession } from '../state/operation-session.svelte.ts';
import { isMarker, type MarkerEntry } from './markers.ts';

/**
 * Every clue and found marker of an operation's documents, kept up to date from the documents'
 * `annotations` changes: an edit costs a lookup, not a scan of thousands of annotations, and only
 * a change of a marker reaches readers.
 */
export class MarkerIndex {
  private readonly entries = new Map<string, MarkerEntry>();
  private readonly listeners = new Set<() => void>();
  private readonly detach: Array<() => void> = [];
  private readonly subscribe: () => void;
  private tick: (() => void) | null = null;
  private sorted: MarkerEntry[] | null = null;

  constructor(docs: ReadonlyArray<{ scope: string; doc: Y.Doc }>) {
    for (const { scope, doc } of docs) {
      const map = doc.getMap<Annotation>('annotations');
      for (const [id, a] of map) this.put(scope, id, a);
      const observer = (event: Y.YMapEvent<Annotation>) => {
        let changed = false;
        for (const id of event.keysChanged) changed = this.put(scope, id, map.get(id)) || changed;
        if (changed) this.changed();
      };
      map.observe(observer);
      this.detach.push(() => map.unobserve(observer));
    }
    this.subscribe = createSubscriber((update) => {
      this.tick = update;
      return () => (this.tick = null);
    });
  }

  /** Newest first; reactive in Svelte (re-read when a marker changes). */
  get markers(): MarkerEntry[] {
    this.subscribe();
    return (this.sorted ??= [...this.entries.values()].sort(
      (a, b) => b.record.createdAt - a.record.createdAt || a.record.id.localeCompare(b.record.id),
    ));
  }

  /** Raw change feed for map layers; returns the unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  destroy(): void {
    for (const d of this.detach.splice(0)) d();
    this.listeners.clear();
  }

  /** Returns whether the set of markers (or one of them) changed. */
  private put(scope: string, id: string, record: Annotation | undefined): boolean {
    const key = `${scope}/${id}`;
    const had = this.entries.get(key);
    if (record && isMarker(record)) {
      if (had?.record === record) return false;
      this.entries.set(key, { scope, record });
      return true;
    }
    return this.entries.delete(key);
  }

  private changed(): void {
    this.sorted = null;
    for (const fn of this.listeners) fn();
    this.tick?.();
  }
}

const indexes = new WeakMap<OperationSession, MarkerIndex>();

/** The marker index of an open operation, created on first use. */
export function markersOf(session: OperationSession): MarkerIndex {
  let index = indexes.get(session);
  if (!index) indexes.set(session, (index = new MarkerIndex(session.docs)));
  return index;
}
