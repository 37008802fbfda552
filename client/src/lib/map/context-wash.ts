import type { Map as MapLibreMap } from 'maplibre-gl';

/** The offline basemap's wash over the neighbouring counties (`BasemapLayers`). */
export const CONTEXT_FILL = 'context-fill';
/** Its opacity on the offline basemap: the counties around the operation fade almost white. */
const WASH_OPACITY = 0.9;

/** Maps on which a customer basemap is drawn: there the wash is clear, or it would hide the customer's map. */
const cleared = new WeakSet<MapLibreMap>();

/**
 * The wash's opacity on `map` now. `BasemapLayers` makes its layer with it: a layer made again (the
 * wall rescaling its labels) keeps the customer's map visible as the first one did.
 */
export function washOpacity(map: MapLibreMap): number {
  return cleared.has(map) ? 0 : WASH_OPACITY;
}

/**
 * A customer basemap is drawn on `map` (true) or no more (false): the wash clears or comes back,
 * now if its layer is there, and whenever it is made again.
 */
export function clearWash(map: MapLibreMap, clear: boolean): void {
  if (clear) cleared.add(map);
  else cleared.delete(map);
  if (map.style && map.getLayer(CONTEXT_FILL)) map.setPaintProperty(CONTEXT_FILL, 'fill-opacity', washOpacity(map));
}
