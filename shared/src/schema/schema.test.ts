import { describe, expect, test } from 'vitest';
import { fixtures } from '../fixtures/records.ts';
import { checkEntry, explainEntry, hasMap, isDeviceId, isEntryKey } from './index.ts';
import { responseKey } from './task-response.ts';

describe('record schemas', () => {
  test('valid records pass in the documents that hold them', () => {
    expect(explainEntry('station', 'annotations', 'ann-lkp', fixtures.lastKnownPoint())).toBeNull();
    expect(explainEntry('station', 'annotations', 'ann-area', fixtures.searchPolygon())).toBeNull();
    expect(explainEntry('station', 'units', 'unit-yuyue-01', fixtures.unit())).toBeNull();
    expect(explainEntry('station', 'tasks', 'task-missing', fixtures.missingPersonTask())).toBeNull();
    expect(explainEntry('station', 'responses', 'linping-yunhe:task-missing', fixtures.response())).toBeNull();
    expect(explainEntry('command', 'annotations', 'ann-lkp', fixtures.lastKnownPoint())).toBeNull();
  });

  test.each([
    [
      'coordinates out of range',
      fixtures.lastKnownPoint({ geometry: { type: 'Point', coordinates: [200, 30] } }),
      /coordinates/,
    ],
    ['geometry of the wrong kind', fixtures.lastKnownPoint({ kind: 'polygon' }), /needs a Polygon/],
    [
      'open polygon ring',
      fixtures.searchPolygon({
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [120, 30],
              [121, 30],
              [121, 31],
              [120, 31],
            ],
          ],
        },
      }),
      /not closed/,
    ],
    ['circle without radius', fixtures.lastKnownPoint({ kind: 'circle' }), /radiusM/],
    ['bad colour', fixtures.lastKnownPoint({ color: 'red' }), /color/],
    ['extra property', { ...fixtures.lastKnownPoint(), evil: true }, /evil|additional/i],
    ['key differs from id', fixtures.lastKnownPoint({ id: 'other' }), /differs/],
    ['not an object', 'hello', /object/i],
  ])('annotation refused: %s', (_name, record, pattern) => {
    expect(explainEntry('station', 'annotations', 'ann-lkp', record)).toMatch(pattern);
  });

  test('unit status and kind are closed sets', () => {
    expect(
      explainEntry('station', 'units', 'unit-yuyue-01', { ...fixtures.unit(), status: 'sleeping' }),
    ).not.toBeNull();
    expect(explainEntry('station', 'units', 'unit-yuyue-01', { ...fixtures.unit(), kind: 'tank' })).not.toBeNull();
  });

  test('collections belong to their document kind', () => {
    expect(hasMap('command', 'units')).toBe(false);
    expect(hasMap('station', 'sectors')).toBe(false);
    expect(hasMap('station', 'toString')).toBe(false);
    expect(explainEntry('command', 'units', 'unit-yuyue-01', fixtures.unit())).toMatch(/not a collection/);
    expect(explainEntry('station', 'meta', 'operation', {})).toMatch(/unknown meta key/);
    expect(explainEntry('station', 'meta', 'schemaVersion', 1)).toBeNull();
  });

  test('a response must be keyed by raising station and task', () => {
    expect(explainEntry('station', 'responses', 'task-missing', fixtures.response())).toMatch(/key must be/);
  });

  test('a task does not target its own station', () => {
    const task = fixtures.missingPersonTask({ targetStations: ['linping-yunhe'] });
    expect(explainEntry('station', 'tasks', 'task-missing', task)).toMatch(/itself/);
  });
});

describe('problems as structure (checkEntry), for a client to word', () => {
  test('a schema refusal: the path within the record, the rule’s keyword and its limit', () => {
    const unit = { ...fixtures.unit(), members: ['张三', '长'.repeat(41)] };
    expect(checkEntry('station', 'units', 'unit-yuyue-01', unit)).toEqual({
      message: explainEntry('station', 'units', 'unit-yuyue-01', unit),
      issues: [{ path: '/members/1', kind: 'maxLength', limit: 40, message: expect.any(String) }],
    });
    const east = fixtures.lastKnownPoint({ geometry: { type: 'Point', coordinates: [200, 30] } });
    expect(checkEntry('station', 'annotations', 'ann-lkp', east)?.issues).toEqual([
      expect.objectContaining({ path: '/geometry/coordinates/0', kind: 'maximum', limit: 180 }),
    ]);
    const twice = { ...fixtures.unit(), deviceIds: ['d-1', 'd-1'] };
    expect(checkEntry('station', 'units', 'unit-yuyue-01', twice)?.issues).toEqual([
      expect.objectContaining({ path: '/deviceIds', kind: 'uniqueItems' }),
    ]);
    expect(checkEntry('station', 'meta', 'schemaVersion', 0)?.issues).toEqual([
      expect.objectContaining({ path: '', kind: 'minimum', limit: 1 }),
    ]);
  });

  test('a refusal beyond the schema has no issues; an acceptable entry no problem', () => {
    const task = fixtures.missingPersonTask({ targetStations: ['linping-yunhe'] });
    expect(checkEntry('station', 'tasks', 'task-missing', task)).toEqual({
      message: expect.stringMatching(/itself/),
      issues: [],
    });
    expect(checkEntry('command', 'units', 'u', fixtures.unit())).toEqual({
      message: 'units: not a collection of a command document',
      issues: [],
    });
    expect(checkEntry('station', 'units', 'unit-yuyue-01', fixtures.unit())).toBeNull();
  });
});

describe('entry keys, checked before an update is applied', () => {
  test('each collection has its own key rule: record ids, and `station:task` for responses', () => {
    expect(isEntryKey('station', 'units', 'car-01')).toBe(true);
    expect(isEntryKey('station', 'responses', responseKey('linping-yunhe', 't-OBwXzi7osu'))).toBe(true);
    expect(isEntryKey('station', 'responses', 't-OBwXzi7osu')).toBe(false);
    expect(isEntryKey('station', 'units', 'linping-yunhe:car-01')).toBe(false);
    expect(isEntryKey('station', 'units', 'x'.repeat(65))).toBe(false);
    expect(isEntryKey('station', '__proto__', 'a')).toBe(false);
    expect(isEntryKey('command', 'meta', 'operation')).toBe(true);
    expect(isEntryKey('station', 'meta', 'operation')).toBe(false);
  });
});

describe('tracker ids', () => {
  test('isDeviceId takes what Traccar, OsmAnd and TAK send, and nothing a key or a log could choke on', () => {
    for (const id of ['864895031234567', 'ANDROID-5f1c2e7a9b3d4c1e', 'S-1-5-21:abc', 'unit_01.deqing']) {
      expect(isDeviceId(id)).toBe(true);
    }
    for (const id of ['', 'a b', '王警官', 'x'.repeat(65), 'id\n', '../etc']) {
      expect(isDeviceId(id)).toBe(false);
    }
    expect(isDeviceId('x'.repeat(64))).toBe(true);
  });
});
