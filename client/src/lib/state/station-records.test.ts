import * as Y from 'yjs';
import { expect, test } from 'vitest';
import { ownRecords, scopedRecords, scopedRules, type RecordsDoc } from './station-records.ts';

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

/** A document of `kind` at `scope` whose map `name` holds `records` (by id). */
function docWith(
  scope: string,
  kind: RecordsDoc['kind'],
  name: string,
  records: Array<{ id: string; stationId: string }>,
): RecordsDoc {
  const doc = new Y.Doc();
  const map = doc.getMap(name);
  for (const r of records) map.set(r.id, r);
  return { scope, kind, doc };
}

test('scoped records: station documents, the command document only for tasks, each record with its scope', () => {
  const docs = [
    docWith('command', 'command', 'tasks', [{ id: 'c1', stationId: 'command' }]),
    docWith('deqing-yuyue', 'station', 'tasks', [
      { id: 'd1', stationId: 'deqing-yuyue' },
      { id: 'x1', stationId: 'linping-yunhe' },
    ]),
    docWith('linping-yunhe', 'station', 'tasks', [{ id: 'l1', stationId: 'linping-yunhe' }]),
  ];
  const ids = (rows: Array<{ scope: string; record: { id: string } }>) => rows.map((r) => `${r.scope}/${r.record.id}`);
  expect(ids(scopedRecords(docs, 'tasks'))).toEqual(['command/c1', 'deqing-yuyue/d1', 'linping-yunhe/l1']);
  // Units and responses live in station documents only: the same maps of the command document are not read.
  const units = [
    docWith('command', 'command', 'units', [{ id: 'cu', stationId: 'command' }]),
    docWith('deqing-yuyue', 'station', 'units', [{ id: 'du', stationId: 'deqing-yuyue' }]),
  ];
  expect(ids(scopedRecords(units, 'units'))).toEqual(['deqing-yuyue/du']);
});

test("scoped rules: every document, the command document included, without another station's rules", () => {
  const docs = [
    docWith('command', 'command', 'rules', [{ id: 'r1', stationId: 'command' }]),
    docWith('tongxiang-zhouquan', 'station', 'rules', [
      { id: 'r2', stationId: 'tongxiang-zhouquan' },
      { id: 'r3', stationId: 'deqing-yuyue' },
    ]),
  ];
  expect(scopedRules(docs).map((r) => `${r.scope}/${r.record.id}`)).toEqual(['command/r1', 'tongxiang-zhouquan/r2']);
});
