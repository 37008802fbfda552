import { expect, test } from 'vitest';
import { DEFAULT_ETA, RESPONSE_RING_MINUTES, type DispatchSettings } from '@jointmap/shared';
import { dispatchModel, taskTarget } from './dispatch-model.ts';

const square = (x: number, y: number, size: number) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [x, y],
      [x + size, y],
      [x + size, y + size],
      [x, y + size],
      [x, y],
    ] as Array<[number, number]>,
  ],
});

test('the target of a task with a location is that location', () => {
  expect(taskTarget({ location: { type: 'Point', coordinates: [120.2954, 30.5222] }, area: square(0, 0, 1) })).toEqual([
    120.2954, 30.5222,
  ]);
});

test('the target of a task with only an area is its centroid, weighted by area, not by vertex', () => {
  expect(taskTarget({ location: null, area: square(120.28, 30.51, 0.02) })).toEqual([
    expect.closeTo(120.29, 10),
    expect.closeTo(30.52, 10),
  ]);
  // An L shape: two unit squares side by side plus one above the left one; many vertices on the right.
  const l = {
    type: 'Polygon' as const,
    coordinates: [
      [
        [0, 0],
        [2, 0],
        [2, 0.25],
        [2, 0.5],
        [2, 0.75],
        [2, 1],
        [1, 1],
        [1, 2],
        [0, 2],
        [0, 0],
      ] as Array<[number, number]>,
    ],
  };
  expect(taskTarget({ location: null, area: l })).toEqual([expect.closeTo(5 / 6, 10), expect.closeTo(5 / 6, 10)]);
});

test('a task with neither location nor area has no target', () => {
  expect(taskTarget({ location: null, area: null })).toBeNull();
});

test('without server settings the model is the shared default; with them, the server’s', () => {
  expect(dispatchModel(undefined)).toEqual({
    eta: DEFAULT_ETA,
    ringMinutes: RESPONSE_RING_MINUTES,
    ringSpeedKmh: DEFAULT_ETA.speedKmh.car,
  });
  const server: DispatchSettings = {
    targetRadiusM: 8000,
    detourFactor: 1.2,
    speedKmh: { car: 50, foot: 4, motorbike: 30, drone: 60, dog: 7, boat: 20 },
    ringMinutes: [2, 4],
    ringSpeedKmh: 45,
  };
  expect(dispatchModel(server)).toEqual({
    eta: { detourFactor: 1.2, speedKmh: { car: 50, foot: 4, motorbike: 30, drone: 60, dog: 7, boat: 20 } },
    ringMinutes: [2, 4],
    ringSpeedKmh: 45,
  });
});
