import { unitKey, type Alert } from '@jointmap/shared';
import type { Map as MapLibreMap } from 'maplibre-gl';
import { fetchTrack } from '../live/roster.ts';
import type { UnitView } from '../live/unit-view.svelte.ts';
import type { AlertsFeed } from './alerts-feed.svelte.ts';

/** How much track around the alert time the console loads when an alert is clicked. */
export const TRACK_AROUND_ALERT_MS = 10 * 60_000;

/** Index of the point nearest in time to `time` (points sorted by time), or 0. */
export function nearestIndex(points: ReadonlyArray<{ time: number }>, time: number): number {
  let best = 0;
  points.forEach((p, i) => {
    if (Math.abs(p.time - time) < Math.abs(points[best]!.time - time)) best = i;
  });
  return best;
}

/**
 * Show an alert: fly to where it was raised (if anywhere), select its unit, and load the unit's
 * track from ten minutes before to ten minutes after, with the replay cursor at the alert.
 */
export async function focusAlert(input: {
  map: MapLibreMap;
  view: UnitView;
  feed: AlertsFeed;
  alert: Alert;
}): Promise<void> {
  const { map, view, feed, alert: a } = input;
  feed.focused = a.id;
  const key = unitKey(a.stationId, a.unitId);
  view.select(key);
  // A unit that never reported a position: its SOS has no place to fly to.
  if (a.evidence.position !== 'none') map.flyTo({ center: a.lngLat, zoom: Math.max(map.getZoom(), 14) });
  const from = a.time - TRACK_AROUND_ALERT_MS;
  const to = a.time + TRACK_AROUND_ALERT_MS;
  try {
    view.showTrack(key, from, to, await fetchTrack(a.stationId, a.unitId, from, to));
    const points = view.track?.key === key ? view.track.points : [];
    if (points.length) view.replayIndex = nearestIndex(points, a.time);
  } catch {
    // no track (unit gone, no permission): the map still shows the alert's position
  }
}
