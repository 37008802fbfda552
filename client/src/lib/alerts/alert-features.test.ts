import { describe, expect, test } from 'vitest';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { alertFeatures } from './alert-features.ts';

describe('alertFeatures', () => {
  test('draws an SOS at its last known position, but none for a unit that never reported one (no point at 0, 0)', () => {
    const lastKnown = fixtures.sosAlert('a-1', 'op-1', 1_000, {
      lngLat: [120.3, 30.5],
      evidence: { alarm: 'sos', position: 'last_known', positionTime: 500 },
    });
    const nowhere = fixtures.sosAlert('a-2', 'op-1', 2_000, {
      lngLat: [0, 0],
      evidence: { alarm: 'sos', position: 'none' },
    });
    const points = alertFeatures([lastKnown, nowhere]).features.map((f) => [f.properties?.id, f.geometry.coordinates]);
    expect(points).toEqual([['a-1', [120.3, 30.5]]]);
  });
});
