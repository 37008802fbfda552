import type { Feature, FeatureCollection } from 'geojson';
// Modules of shared/ by path, not its index: this runs on the export worker, which loads only what it runs (not turf).
import type { Annotation } from '@jointmap/shared/schema/annotation';
import type { Search } from '@jointmap/shared/schema/search';
import { supersededSector, type Sector } from '@jointmap/shared/schema/sector';
import { circleRing } from '../geo/circle-ring.ts';
import { docFromStored } from '../storage/stored-doc.ts';
import type { StoredDoc } from '../storage/types.ts';

/** What an export is of. */
export type ExportWhat = 'annotations' | 'sectors';

/** A document of an export as storage holds it. */
export interface ExportDoc {
  /** `command` or a station id. */
  scope: string;
  stored: StoredDoc;
}

/**
 * The features of an export (see `exportRoutes`), from the stored documents of the scopes the
 * user may read: every annotation, with its scope, or the search sectors of the command document
 * in force (those of a split their search no longer uses are left out). Rebuilding the documents
 * takes most of the time (0.7 s for 2,000 tracks of 250 points), which is why this runs on the
 * export worker.
 */
export function exportCollection(what: ExportWhat, docs: readonly ExportDoc[]): FeatureCollection {
  const features: Feature[] = [];
  for (const { scope, stored } of docs) {
    const doc = docFromStored(stored);
    try {
      if (what === 'annotations') {
        for (const a of doc.getMap<Annotation>('annotations').values()) features.push(annotationFeature(a, scope));
      } else {
        const searches = new Map([...doc.getMap<Search>('searches').values()].map((s) => [s.id, s]));
        for (const sector of doc.getMap<Sector>('sectors').values())
          if (!supersededSector(sector, searches)) features.push(sectorFeature(sector));
      }
    } finally {
      doc.destroy();
    }
  }
  return { type: 'FeatureCollection', features };
}

/**
 * An annotation as a feature for other tools: its label as `name`, its colour as simplestyle
 * (`marker-color`, `stroke`, `fill`), our own fields beside them. A circle goes out as the polygon
 * of its ring (no format has circles) with `kind: "circle"` and `radiusM`, from which an import
 * makes the circle again.
 */
export function annotationFeature(a: Annotation, scope: string): Feature {
  const g = a.geometry;
  const geometry: Feature['geometry'] =
    a.kind === 'circle' && g.type === 'Point' && a.radiusM !== undefined
      ? { type: 'Polygon', coordinates: [circleRing(g.coordinates[0]!, g.coordinates[1]!, a.radiusM)] }
      : g;
  const style =
    geometry.type === 'Point'
      ? { 'marker-color': a.color }
      : geometry.type === 'Polygon'
        ? { stroke: a.color, fill: a.color, 'fill-opacity': 0.2 }
        : { stroke: a.color };
  return {
    type: 'Feature',
    id: a.id,
    geometry,
    properties: {
      name: a.label,
      ...style,
      kind: a.kind,
      scope,
      author: a.author,
      updatedAt: new Date(a.updatedAt).toISOString(),
      ...(a.radiusM !== undefined ? { radiusM: a.radiusM } : {}),
      ...(a.symbol ? { symbol: a.symbol } : {}),
    },
  };
}

/** A search sector as a feature: its name, its status and units as the description, in violet. */
export function sectorFeature(s: Sector): Feature {
  return {
    type: 'Feature',
    id: s.id,
    geometry: s.polygon,
    properties: {
      name: s.name,
      description: `${s.status}${s.assignedUnitIds.length ? ` · ${s.assignedUnitIds.join(', ')}` : ''}`,
      stroke: '#7c3aed',
      fill: '#7c3aed',
      'fill-opacity': 0.15,
      status: s.status,
      assignedStationId: s.assignedStationId,
      assignedUnitIds: s.assignedUnitIds.join(','),
      sweepWidthM: s.sweepWidthM,
      taskId: s.taskId,
    },
  };
}
