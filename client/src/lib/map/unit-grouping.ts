import { matchesUnitFilter, type UnitFilter } from '../live/unit-filter.ts';

/**
 * Which units the map draws, and which of them it keeps out of reach of grouping. Grouping runs on
 * the data, not on the layers (a layer filter would hide a unit but leave it counted in its group),
 * so everything that hides a unit is applied here, before the data reaches the map.
 */
export interface UnitVisibility {
  /** Stations whose layers the user switched off. */
  hiddenScopes: readonly string[];
  /** The roster filter (station, kind, status), or null when the page has none. */
  filter: UnitFilter | null;
  /** Units drawn on top of any group as well (`unitKey`s: the selected and the followed unit). */
  pinned: ReadonlySet<string>;
}

/** The feature properties grouping looks at (a subset of `UnitFeatureProps`). */
export interface GroupableProps {
  key: string;
  stationId: string;
  kind: string;
  status: string;
}

/** Whether a unit passes the hidden stations and the roster filter. */
export function unitShown(p: GroupableProps, v: UnitVisibility): boolean {
  return !v.hiddenScopes.includes(p.stationId) && (v.filter === null || matchesUnitFilter(v.filter, p));
}

/** A unit feature as the grouped source gets it: `pinned` lets a group tell it holds a pinned unit. */
export type Grouped<F extends { properties: GroupableProps }> = F & { properties: F['properties'] & { pinned: 0 | 1 } };

/** The feature with its `pinned` flag (1 when in `v.pinned`): summed per group by the source. */
export function withPinned<F extends { properties: GroupableProps }>(f: F, v: UnitVisibility): Grouped<F> {
  return { ...f, properties: { ...f.properties, pinned: v.pinned.has(f.properties.key) ? 1 : 0 } };
}

/**
 * Split unit features into what the grouped source gets (every shown unit, flagged `pinned`) and
 * what the pinned source gets (the shown units among `v.pinned`). A pinned unit stays in the
 * grouped data too: a group's count is of every shown unit in that place, while the pinned copy
 * keeps the selected unit itself on screen where its group would swallow it.
 *
 * @example
 * const { grouped, pinned } = splitUnits(features, { hiddenScopes: [], filter: null, pinned: new Set([key]) });
 */
export function splitUnits<F extends { properties: GroupableProps }>(
  features: Iterable<F>,
  v: UnitVisibility,
): { grouped: Array<Grouped<F>>; pinned: F[] } {
  const grouped: Array<Grouped<F>> = [];
  const pinned: F[] = [];
  for (const f of features) {
    if (!unitShown(f.properties, v)) continue;
    grouped.push(withPinned(f, v));
    if (v.pinned.has(f.properties.key)) pinned.push(f);
  }
  return { grouped, pinned };
}

/** Outer diameter of a unit marker in CSS pixels at text scale 1: a 10 px radius ring with a 3 px stroke. */
export const MARKER_DIAMETER = 26;

/**
 * Grouping radius in CSS pixels for a text scale: markers closer than this (at the integer zoom the
 * grouping is computed for) would overlap by more than their strokes, so they form a group; at any
 * zoom in between they are drawn further apart, never closer.
 */
export function groupRadius(scale: number): number {
  return Math.round((MARKER_DIAMETER - 2) * scale);
}

/**
 * Above this zoom nothing is grouped. At zoom 15 (~2 m per pixel here) a group spans ~50 m; a
 * dispatcher who zooms to street level wants each unit, even two at the same crossing.
 */
export const GROUP_MAX_ZOOM = 15;
