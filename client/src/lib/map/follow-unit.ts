import type { Map as MapLibreMap } from 'maplibre-gl';
import type { LivePositions } from '../live/live-positions.svelte.ts';
import type { UnitView } from '../live/unit-view.svelte.ts';

/** A followed unit may move within the inner 60 % of the view before the map moves after it. */
export const FOLLOW_INNER = 0.6;

/** Whether a screen point lies in the central `inner` share (per axis) of a `width`×`height` view. */
export function insideInner(
  pt: { x: number; y: number },
  width: number,
  height: number,
  inner: number = FOLLOW_INNER,
): boolean {
  const mx = (width * (1 - inner)) / 2;
  const my = (height * (1 - inner)) / 2;
  return pt.x >= mx && pt.x <= width - mx && pt.y >= my && pt.y <= height - my;
}

/** Centre the map on `lngLat` (WGS-84) when it has left the inner part of the view. */
export function keepInView(map: MapLibreMap, lngLat: [number, number]): void {
  const c = map.getContainer();
  if (insideInner(map.project(lngLat), c.clientWidth, c.clientHeight)) return;
  map.easeTo({ center: lngLat, duration: 500 });
}

/**
 * While `view.followKey` is set, keep that unit in view as its fixes arrive; a pan by hand
 * (a drag: maplibre fires `dragstart` for user gestures only) stops following. Returns the stop
 * function.
 */
export function followUnit(map: MapLibreMap, live: LivePositions, view: UnitView): () => void {
  const off = live.onChange((change) => {
    const key = view.followKey;
    if (!key || (change !== 'all' && !change.has(key))) return;
    const p = live.positionOf(key);
    if (p) keepInView(map, [p.lngLat[0], p.lngLat[1]]);
  });
  const onDrag = () => view.follow(false);
  map.on('dragstart', onDrag);
  return () => {
    off();
    map.off('dragstart', onDrag);
  };
}
