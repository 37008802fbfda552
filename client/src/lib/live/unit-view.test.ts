import { expect, test } from 'vitest';
import { nextTrackWindow, UnitView, type TrackFeatureCollection } from './unit-view.svelte.ts';

const FROM = Date.UTC(2026, 11, 2, 0, 0);
const TO = FROM + 7 * 86_400_000;

/** A track answer of `count` fixes at 1 Hz from `start`, as the server sends it (cut or not). */
function answer(start: number, count: number, truncated: boolean): TrackFeatureCollection {
  const times = Array.from({ length: count }, (_, i) => start + i * 1000);
  const properties = { count, truncated };
  return {
    type: 'FeatureCollection',
    properties,
    features: [
      {
        type: 'Feature',
        properties: { ...properties, coordinateProperties: { times } },
        geometry: { type: 'LineString', coordinates: times.map((_, i) => [120 + i * 1e-5, 30.5]) },
      },
    ],
  };
}

test('a track cut by the server keeps its truncated flag, and the rest of the window starts after its last fix', () => {
  const view = new UnitView();
  view.showTrack('deqing-yuyue/car-01', FROM, TO, answer(FROM + 5000, 4, true));
  expect(view.track).toMatchObject({ from: FROM, to: TO, truncated: true });
  const last = FROM + 5000 + 3 * 1000;
  expect(view.track!.points.at(-1)!.time).toBe(last);
  // The server's bounds are inclusive: the last fix shown is not asked for again.
  expect(nextTrackWindow(view.track!)).toEqual({ from: last + 1, to: TO });

  // The next window's answer, whole: nothing is left to load.
  view.showTrack('deqing-yuyue/car-01', last + 1, TO, answer(last + 1000, 2, false));
  expect(view.track!.truncated).toBe(false);
  expect(nextTrackWindow(view.track!)).toBeNull();
});

test('a whole track has nothing more to load', () => {
  const view = new UnitView();
  view.showTrack('deqing-yuyue/car-01', FROM, TO, answer(FROM, 3, false));
  expect(view.track!.truncated).toBe(false);
  expect(nextTrackWindow(view.track!)).toBeNull();
  view.showTrack('deqing-yuyue/car-01', FROM, TO, { type: 'FeatureCollection', features: [] });
  expect(nextTrackWindow(view.track!)).toBeNull();
});
