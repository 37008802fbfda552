import type { StyleSpecification } from 'maplibre-gl';
import { NOTO_SANS_SC_FACES } from 'virtual:map-font-faces';

/** The font every map label uses: Noto Sans SC (OFL), bundled, drawn locally by MapLibre. */
export const MAP_FONT = 'Noto Sans SC';

/**
 * Empty marker layers that fix the drawing order: a component inserts its layers before the
 * marker of the slot above it, whatever order components mount in.
 */
export const SLOTS = [
  'slot-basemap',
  'slot-context',
  'slot-jurisdiction',
  'slot-annotations',
  'slot-trails',
  'slot-units',
  'slot-edit',
  'slot-top',
] as const;
export type Slot = (typeof SLOTS)[number];

/** The layer id to insert before so that layers land in `slot` (the marker of the next slot). */
export function beforeSlot(slot: Slot): string {
  const i = SLOTS.indexOf(slot);
  return SLOTS[i + 1] ?? 'slot-top';
}

/**
 * The offline base style: a plain background, no sources, no `glyphs` URL and no sprite. Labels
 * are rasterised in the browser from the bundled font declared in `font-faces`, whose woff2 subsets
 * our own server serves: the map never asks another host for anything.
 */
export function baseStyle(background = '#eef1f4'): StyleSpecification {
  return {
    version: 8,
    sources: {},
    'font-faces': {
      [MAP_FONT]: NOTO_SANS_SC_FACES.map((f) => ({
        url: new URL(f.url, location.href).href,
        'unicode-range': f['unicode-range'],
      })),
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': background } },
      ...SLOTS.map((id) => ({ id, type: 'background' as const, layout: { visibility: 'none' as const } })),
    ],
  } as StyleSpecification;
}

/** Ids of the layers that show annotations (hit testing uses them). */
export const ANNOTATION_LAYERS = ['ann-fill', 'ann-line', 'ann-point', 'ann-label'];
