import { unitKey, type Freshness } from '@jointmap/shared';
import { describe, expect, it } from 'vitest';
import { countFreshness, freshnessByKey, unitFreshnessOf, type FreshnessSource } from './freshness.ts';

function fakeLive(fixes: Record<string, Freshness>): FreshnessSource {
  return {
    freshnessVersion: 1,
    positionOf: (key) => (key in fixes ? { key } : undefined),
    // Like LivePositions: a unit it knows nothing about reads as lost.
    freshnessOf: (key) => fixes[key] ?? 'lost',
  };
}

describe('unit freshness for display', () => {
  const live = fakeLive({ [unitKey('s1', 'car-01')]: 'live', [unitKey('s1', 'car-02')]: 'lost' });

  it('says nofix, not lost, for a unit that never sent a fix', () => {
    expect(unitFreshnessOf(live, { stationId: 's1', id: 'car-03' })).toBe('nofix');
    expect(unitFreshnessOf(live, { stationId: 's2', id: 'car-01' })).toBe('nofix');
  });

  it('keeps live / stale / lost for units with a fix', () => {
    expect(unitFreshnessOf(live, { stationId: 's1', id: 'car-01' })).toBe('live');
    expect(freshnessByKey(live, unitKey('s1', 'car-02'))).toBe('lost');
  });

  it('counts never-fixed units apart from lost ones', () => {
    const keys = ['car-01', 'car-02', 'car-03', 'car-04'].map((id) => unitKey('s1', id));
    expect(countFreshness(live, keys)).toEqual({ live: 1, stale: 0, lost: 1, nofix: 2 });
  });
});
