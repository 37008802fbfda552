import { describe, expect, it } from 'vitest';
import { stationSweeps, type Jurisdiction } from '@jointmap/shared';
import { LAST_KNOWN, planSearch } from './tricounty-search.ts';

const [X, Y] = LAST_KNOWN;
/** A rectangle in degrees (WGS-84), west–east × south–north. */
const box = (w: number, e: number, s: number, n: number): Jurisdiction['area'] => ({
  type: 'Polygon',
  coordinates: [
    [
      [w, s],
      [e, s],
      [e, n],
      [w, n],
      [w, s],
    ],
  ],
});
/** Three stations meeting at the last-known point: 禹越 north, 洲泉 south-west, 运河 south-east. */
const JURISDICTIONS: Jurisdiction[] = [
  { stationId: 'deqing-yuyue', area: box(X - 0.1, X + 0.1, Y, Y + 0.1) },
  { stationId: 'tongxiang-zhouquan', area: box(X - 0.1, X, Y - 0.1, Y) },
  { stationId: 'linping-yunhe', area: box(X, X + 0.1, Y - 0.1, Y) },
];

describe('planSearch', () => {
  it("adds each dispatched unit to a sector of its station: the station's units still sweep it (station-wide)", () => {
    const { sectors } = planSearch(
      { taskId: 't-0123456789', searchId: 's-t-0123456789', taskStationId: 'linping-yunhe' },
      JURISDICTIONS,
      [
        { id: 'yuyue-car-01', stationId: 'deqing-yuyue', near: [X, Y + 0.01] },
        { id: 'zhouquan-car-01', stationId: 'tongxiang-zhouquan', near: [X - 0.01, Y - 0.01] },
      ],
      'u-commander',
      1_750_000_000_000,
    );
    const helped = sectors
      .filter((s) => s.assignedUnitIds.length > 0)
      .sort((a, b) => a.assignedStationId!.localeCompare(b.assignedStationId!));
    expect(helped.map((s) => [s.assignedStationId, s.assignedUnitIds, s.stationWide, stationSweeps(s)])).toEqual([
      ['deqing-yuyue', ['yuyue-car-01'], true, true],
      ['tongxiang-zhouquan', ['zhouquan-car-01'], true, true],
    ]);
    // The other sectors stay their station's alone, with nobody named and no flag.
    const rest = sectors.filter((s) => s.assignedUnitIds.length === 0);
    expect(rest.length).toBeGreaterThan(2);
    expect(rest.every((s) => s.stationWide === undefined && stationSweeps(s) === (s.assignedStationId !== null))).toBe(
      true,
    );
  });
});
