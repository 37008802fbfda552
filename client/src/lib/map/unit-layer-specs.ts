import type { ExpressionSpecification, FilterSpecification, LayerSpecification } from 'maplibre-gl';
import { MAP_FONT } from './style.ts';
import { UNIT_ARROW } from './unit-arrow.ts';

/** The grouped source: every shown unit; maplibre replaces close ones by a group feature. */
export const UNIT_SOURCE = 'units';
/** The selected and followed units, never grouped, drawn above everything else of the layer. */
export const PINNED_SOURCE = 'unit-pinned';
/** A group of units: a circle with the count. */
export const GROUP_LAYER = 'unit-group';
export const GROUP_COUNT_LAYER = 'unit-group-count';
/** A group that holds the selected or followed unit, shown as a badge on that unit's marker. */
export const GROUP_BADGE_LAYER = 'unit-group-badge';
export const GROUP_BADGE_COUNT_LAYER = 'unit-group-badge-count';
/** Layers a click on which opens a group. */
export const GROUP_LAYERS = [GROUP_LAYER, GROUP_BADGE_LAYER];
const GROUP_COLOR = '#334155';
/** Marker layers of single units, grouped source and pinned source (click and hit testing use them). */
export const MARKER_LAYERS = ['unit-ring', 'unit-pinned-ring'];

const isLost: ExpressionSpecification = ['==', ['get', 'freshness'], 'lost'];
const single: FilterSpecification = ['!', ['has', 'point_count']];
/** A single unit of the grouped source that is not also drawn by the pinned source. */
const notPinned: FilterSpecification = ['!=', ['get', 'pinned'], 1];

/** Where a label may go around its marker, in order of preference; it yields when none is free. */
const LABEL_ANCHORS = [
  'top',
  'bottom',
  'right',
  'left',
  'top-right',
  'top-left',
  'bottom-right',
  'bottom-left',
] as const;

/**
 * The layers of single unit markers of one source, bottom to top. Symbol placement runs from the
 * top layer down, so the glyph layer (above the labels) claims each marker's square first and no
 * label is placed over any marker; labels then claim their boxes among themselves. A pinned
 * source's label is always drawn (`text-allow-overlap`) and claims its box before anything else.
 */
export function unitMarkerLayers(
  source: string,
  prefix: 'unit' | 'unit-pinned',
  s: number,
  pinned: boolean,
): LayerSpecification[] {
  const filter = (f?: FilterSpecification): FilterSpecification | undefined =>
    pinned ? f : f ? (['all', single, f] as FilterSpecification) : single;
  const withFilter = <T extends LayerSpecification>(l: T, f?: FilterSpecification): T => {
    const ff = filter(f);
    return ff ? { ...l, filter: ff } : l;
  };
  return [
    withFilter(
      {
        id: `${prefix}-arrow`,
        type: 'symbol',
        source,
        layout: {
          'icon-image': UNIT_ARROW,
          'icon-size': s,
          'icon-rotate': ['get', 'bearing'],
          'icon-rotation-alignment': 'map',
          'icon-allow-overlap': true,
          'icon-ignore-placement': true,
        },
        paint: {
          'icon-color': ['case', ['==', ['get', 'freshness'], 'live'], '#0f172a', '#9ca3af'],
          'icon-halo-color': '#ffffff',
          'icon-halo-width': 1.5,
        },
      },
      ['all', ['>=', ['get', 'bearing'], 0], ['!', isLost]],
    ),
    withFilter({
      id: `${prefix}-ring`,
      type: 'circle',
      source,
      paint: {
        'circle-radius': 10 * s,
        'circle-color': ['get', 'fill'],
        'circle-stroke-color': ['get', 'ring'],
        'circle-stroke-width': ['case', isLost, 2, 3],
        'circle-stroke-opacity': ['case', isLost, 0.9, 1],
      },
    }),
    withFilter(
      {
        id: `${prefix}-label`,
        type: 'symbol',
        source,
        layout: {
          'text-field': ['get', 'label'],
          'text-font': [MAP_FONT],
          'text-size': 13 * s,
          'text-variable-anchor': [...LABEL_ANCHORS],
          // In ems: the label starts just outside the marker's 13 px (×scale) outer radius.
          'text-radial-offset': 1.25,
          'text-justify': 'auto',
          'text-allow-overlap': pinned,
          'text-optional': true,
          // Live units win label collisions over stale and lost ones.
          'symbol-sort-key': ['match', ['get', 'freshness'], 'live', 0, 'stale', 1, 2],
        },
        paint: {
          'text-color': ['match', ['get', 'freshness'], 'live', '#0f172a', 'stale', '#6b7280', '#991b1b'],
          'text-halo-color': '#ffffff',
          'text-halo-width': 2,
        },
        // A pinned unit stays in the grouped data (for its group's count); its label comes from the
        // pinned source only, or it would be drawn twice, on two sides of its marker.
      },
      pinned ? undefined : notPinned,
    ),
    withFilter({
      id: `${prefix}-glyph`,
      type: 'symbol',
      source,
      layout: {
        'text-field': ['get', 'glyph'],
        'text-font': [MAP_FONT],
        'text-size': 11 * s,
        'text-allow-overlap': true,
        // Placed, so that labels below avoid it: the padding grows the glyph's box to the marker's.
        'text-padding': 7 * s,
      },
      paint: { 'text-color': ['case', isLost, '#6b7280', '#ffffff'] },
    }),
  ];
}

/**
 * A group: a circle with the count below the single units' labels, its count above them (placed
 * first, so labels avoid it). A group that holds the selected or followed unit would sit under
 * that unit's pinned marker (within a group radius of the group's centre); it steps aside as a
 * small badge to the upper right of its centre, saying how many more units stand there ("+5"),
 * above everything so it stays readable.
 */
export function unitGroupLayers(
  source: string,
  s: number,
): {
  circle: LayerSpecification;
  count: LayerSpecification;
  badge: LayerSpecification;
  badgeCount: LayerSpecification;
} {
  const plain: FilterSpecification = ['all', ['has', 'point_count'], ['==', ['get', 'pinned'], 0]];
  const holdsPinned: FilterSpecification = ['all', ['has', 'point_count'], ['>', ['get', 'pinned'], 0]];
  const badgeOffset = 16 * s;
  const badgeText = 11 * s;
  return {
    circle: {
      id: GROUP_LAYER,
      type: 'circle',
      source,
      filter: plain,
      paint: {
        'circle-radius': ['step', ['get', 'point_count'], 13 * s, 10, 16 * s, 100, 19 * s],
        'circle-color': GROUP_COLOR,
        'circle-stroke-color': 'rgba(51,65,85,0.35)',
        'circle-stroke-width': 4 * s,
      },
    },
    count: {
      id: GROUP_COUNT_LAYER,
      type: 'symbol',
      source,
      filter: plain,
      layout: {
        'text-field': ['get', 'point_count_abbreviated'],
        'text-font': [MAP_FONT],
        'text-size': 13 * s,
        'text-allow-overlap': true,
        // The count's box grows to the whole bubble (circle and ring, up to two digits), so every
        // label below it, a unit's or a search sector's, makes way for the bubble, not only its digits.
        'text-padding': 13 * s,
      },
      paint: { 'text-color': '#ffffff' },
    },
    badge: {
      id: GROUP_BADGE_LAYER,
      type: 'circle',
      source,
      filter: holdsPinned,
      paint: {
        'circle-radius': 10 * s,
        'circle-color': GROUP_COLOR,
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1.5 * s,
        'circle-translate': [badgeOffset, -badgeOffset],
      },
    },
    badgeCount: {
      id: GROUP_BADGE_COUNT_LAYER,
      type: 'symbol',
      source,
      filter: holdsPinned,
      layout: {
        'text-field': ['concat', '+', ['to-string', ['-', ['get', 'point_count'], ['get', 'pinned']]]],
        'text-font': [MAP_FONT],
        'text-size': badgeText,
        // In ems of the text size: the same place as the badge circle (a layout offset, which
        // label placement sees; a paint translate it would not).
        'text-offset': [badgeOffset / badgeText, -badgeOffset / badgeText],
        'text-allow-overlap': true,
        'text-padding': 5 * s,
      },
      paint: { 'text-color': '#ffffff' },
    },
  };
}

/** The selected unit's highlight, under its pinned marker. */
export function selectedLayer(source: string, s: number, key: string | null): LayerSpecification {
  return {
    id: 'unit-selected',
    type: 'circle',
    source,
    filter: ['==', ['get', 'key'], key ?? ''],
    paint: {
      'circle-radius': 17 * s,
      'circle-color': 'rgba(250,204,21,0.35)',
      'circle-stroke-color': '#ca8a04',
      'circle-stroke-width': 2,
    },
  };
}
