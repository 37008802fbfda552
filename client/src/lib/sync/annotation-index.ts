import type * as Y from 'yjs';
import type { Annotation } from '@jointmap/shared';
import { circleRing } from '../map/geometry.ts';

export interface AnnotationFeatureProps {
  fid: string;
  scope: string;
  id: string;
  kind: Annotation['kind'];
  label: string;
  color: string;
}
export type AnnotationFeature = GeoJSON.Feature<GeoJSON.Geometry, AnnotationFeatureProps>;

/** What changed since the last flush, ready for `GeoJSONSource.updateData`. */
export interface AnnotationDiff {
  remove: string[];
  add: AnnotationFeature[];
}

interface Entry {
  record: Annotation;
  feature: AnnotationFeature;
}

export function featureId(scope: string, id: string): string {
  return `${scope}/${id}`;
}

/** One record as a drawable feature: circles become polygons, everything keeps scope and id. */
export function toFeature(scope: string, a: Annotation): AnnotationFeature {
  const fid = featureId(scope, a.id);
  const geometry: GeoJSON.Geometry =
    a.kind === 'circle' && a.geometry.type === 'Point' && a.radiusM
      ? {
          type: 'Polygon',
          coordinates: [circleRing([a.geometry.coordinates[0], a.geometry.coordinates[1]], a.radiusM)],
        }
      : (a.geometry as GeoJSON.Geometry);
  return {
    type: 'Feature',
    id: fid,
    geometry,
    properties: { fid, scope, id: a.id, kind: a.kind, label: a.label, color: a.color },
  };
}

/**
 * All annotations of an operation's documents, kept as a per-record feature cache so that a
 * change re-converts only the records it touched. Consumers pull the accumulated diff (at most
 * once per animation frame) instead of rebuilding 5,000 features on every edit.
 */
export class AnnotationIndex {
  private readonly entries = new Map<string, Entry>();
  private readonly changed = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private readonly detach: Array<() => void> = [];
  private readonly byScope: Record<string, number> = {};
  private readonly byKind: Record<string, number> = {};
  /** Bumped on every change; cheap to compare. */
  version = 0;

  /** Start following the `annotations` map of one document. */
  attach(scope: string, doc: Y.Doc): void {
    const map = doc.getMap<Annotation>('annotations');
    for (const [id, record] of map) this.put(scope, id, record);
    const observer = (event: Y.YMapEvent<Annotation>) => {
      for (const id of event.keysChanged) {
        const record = map.get(id);
        if (record === undefined) this.remove(scope, id);
        else this.put(scope, id, record);
      }
      this.notify();
    };
    map.observe(observer);
    this.detach.push(() => map.unobserve(observer));
    this.notify();
  }

  get size(): number {
    return this.entries.size;
  }

  get(scope: string, id: string): Annotation | undefined {
    return this.entries.get(featureId(scope, id))?.record;
  }

  /** Every feature (for the first `setData`); clears the pending diff. */
  features(): AnnotationFeature[] {
    this.changed.clear();
    return this.allFeatures();
  }

  /**
   * Every feature, for readers other than the map layer (the map search): leaves the pending
   * diff alone, which `features()` would clear before the layer took it.
   */
  allFeatures(): AnnotationFeature[] {
    return Array.from(this.entries.values(), (e) => e.feature);
  }

  /** The diff since the last call (or since `features()`), or null when nothing changed. */
  takeDiff(): AnnotationDiff | null {
    if (this.changed.size === 0) return null;
    const diff: AnnotationDiff = { remove: [], add: [] };
    for (const fid of this.changed) {
      diff.remove.push(fid);
      const e = this.entries.get(fid);
      if (e) diff.add.push(e.feature);
    }
    this.changed.clear();
    return diff;
  }

  /** Counts by scope and by kind (for the layer panel and the wall). */
  counts(): { byScope: Record<string, number>; byKind: Record<string, number> } {
    return { byScope: { ...this.byScope }, byKind: { ...this.byKind } };
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  destroy(): void {
    for (const d of this.detach.splice(0)) d();
    this.listeners.clear();
    this.entries.clear();
    this.changed.clear();
  }

  private put(scope: string, id: string, record: Annotation): void {
    const fid = featureId(scope, id);
    const previous = this.entries.get(fid);
    if (previous?.record === record) return;
    let feature: AnnotationFeature;
    try {
      feature = toFeature(scope, record);
    } catch {
      return; // a malformed record (the server validates, so only from a corrupted local copy)
    }
    if (previous) this.count(scope, previous.record.kind, -1);
    this.entries.set(fid, { record, feature });
    this.count(scope, record.kind, 1);
    this.changed.add(fid);
  }

  private remove(scope: string, id: string): void {
    const fid = featureId(scope, id);
    const previous = this.entries.get(fid);
    if (!previous) return;
    this.entries.delete(fid);
    this.count(scope, previous.record.kind, -1);
    this.changed.add(fid);
  }

  private count(scope: string, kind: string, delta: number): void {
    this.byScope[scope] = (this.byScope[scope] ?? 0) + delta;
    this.byKind[kind] = (this.byKind[kind] ?? 0) + delta;
  }

  private notify(): void {
    this.version++;
    for (const fn of this.listeners) fn();
  }
}
