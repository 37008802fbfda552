import { Type, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { describe, expect, test } from 'vitest';
import { fixtures } from '../fixtures/records.ts';
import { compile } from './common.ts';
import { OperationMetaSchema } from './operation-meta.ts';
import { TaskResponseSchema } from './task-response.ts';
import { TaskSchema } from './task.ts';
import { UnitSchema } from './unit.ts';

/** `compile`'s check and TypeBox's own agree on every value (some of which pass, some not). */
function expectSameAsTypeBox(schema: TSchema, values: unknown[]): void {
  const ours = compile(schema);
  const typebox = TypeCompiler.Compile(schema);
  for (const value of values) expect([value, ours.check(value)]).toEqual([value, typebox.Check(value)]);
  expect(new Set(values.map((v) => typebox.Check(v)))).toEqual(new Set([true, false]));
}

/** A record with the list `field` replaced by each of a few lists, duplicates and bad ids among them. */
function withLists(record: object, field: string, ids: [string, string]): unknown[] {
  const [a, b] = ids;
  const lists = [[], [a], [a, b], [a, a], [b, a, b], [a, b, a, b], ['bad id', 'bad id'], [a, 7, 7]];
  return lists.map((list) => ({ ...record, [field]: list }));
}

describe('uniqueItems, keyed by string where TypeBox hashes', () => {
  test('the records with unique lists are judged as TypeBox judges them', () => {
    expectSameAsTypeBox(UnitSchema, withLists(fixtures.unit(), 'deviceIds', ['imei-1', 'imei-2']));
    expectSameAsTypeBox(TaskSchema, withLists(fixtures.missingPersonTask(), 'targetStations', ['st-a', 'st-b']));
    expectSameAsTypeBox(TaskResponseSchema, withLists(fixtures.response(), 'unitIds', ['u-1', 'u-2']));
    const meta = {
      id: 'op-1',
      name: '演练',
      kind: 'search',
      status: 'active',
      stations: ['st-a'],
      area: null,
      createdAt: 1,
      updatedAt: 1,
    };
    expectSameAsTypeBox(OperationMetaSchema, withLists(meta, 'stations', ['st-a', 'st-b']));
  });

  test('a duplicate is still refused as uniqueItems, with its path', () => {
    const unit = compile(UnitSchema);
    expect(unit.check({ ...fixtures.unit(), deviceIds: ['imei-1', 'imei-2'] })).toBe(true);
    expect(unit.issue({ ...fixtures.unit(), deviceIds: ['imei-1', 'imei-1'] })).toMatchObject({
      path: '/deviceIds',
      kind: 'uniqueItems',
    });
  });

  test('elements that are not strings keep TypeBox’s structural comparison', () => {
    const anything = Type.Array(Type.Unknown(), { uniqueItems: true });
    const values = [
      [{ a: 1 }, { a: 1 }],
      [{ a: 1 }, { a: 2 }],
      [
        { a: 1, b: 2 },
        { b: 2, a: 1 },
      ],
      [
        [1, 2],
        [1, 2],
      ],
      [[1], [2]],
      [1, 1],
      [1, '1'],
      ['1', '1'],
      [null, null],
      [true, false, true],
      [0, -0],
    ];
    expectSameAsTypeBox(anything, values);
    const check = compile(anything).check;
    expect(check([{ a: 1 }, { a: 1 }])).toBe(false);
    expect(check([1, '1'])).toBe(true);
  });

  test('two distinct strings are never duplicates (TypeBox’s hash conflates "\\u0101" with "\\x01\\x01")', () => {
    const strings = compile(Type.Array(Type.String(), { uniqueItems: true }));
    expect(strings.check(['\u0101', '\x01\x01'])).toBe(true);
    expect(strings.check(['\u0101', '\u0101'])).toBe(false);
    expect(strings.issue(['\u0101', '\x01\x01'])).toBeNull();
  });
});
