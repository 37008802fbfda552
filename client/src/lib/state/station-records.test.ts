import { expect, test } from 'vitest';
import { ownRecords } from './station-records.ts';

test('keeps only records of the document station', () => {
  const records = [
    { id: 'u1', stationId: 'deqing-yuyue' },
    { id: 'u2', stationId: 'linping-yunhe' },
    { id: 'u3', stationId: 'deqing-yuyue' },
  ];
  expect(ownRecords('deqing-yuyue', records).map((r) => r.id)).toEqual(['u1', 'u3']);
  expect(ownRecords('tongxiang-zhouquan', records)).toEqual([]);
});

test('ignores records without a station id and non-objects', () => {
  const records: unknown[] = [{ id: 'a' }, null, 'deqing-yuyue', { id: 'b', stationId: 'deqing-yuyue' }];
  expect(ownRecords('deqing-yuyue', records)).toEqual([{ id: 'b', stationId: 'deqing-yuyue' }]);
});

test('reads any iterable, such as the values of a Y.Map', () => {
  const map = new Map([
    ['t1', { id: 't1', stationId: 's1' }],
    ['t2', { id: 't2', stationId: 's2' }],
  ]);
  expect(ownRecords('s2', map.values())).toEqual([{ id: 't2', stationId: 's2' }]);
});
