import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { AppError } from '../errors.ts';
import { fixtures } from '../fixtures/records.ts';
import { applyChange, initDoc, type ChangeOrigin } from './apply-change.ts';
import { migrateDoc } from './migrate.ts';
import { defineRecordKind } from '../schema/record-kind.ts';
import { Type } from '@sinclair/typebox';

const origin: ChangeOrigin = { source: 'session', sessionId: 's1', userId: 'u-deqing' };

describe('applyChange', () => {
  test('writes valid records in one transaction tagged with the origin', () => {
    const doc = new Y.Doc();
    const origins: unknown[] = [];
    doc.on('afterTransaction', (tr: Y.Transaction) => origins.push(tr.origin));
    applyChange(
      doc,
      'station',
      {
        type: 'batch',
        changes: [
          { type: 'put', map: 'annotations', key: 'ann-lkp', value: fixtures.lastKnownPoint() },
          { type: 'put', map: 'units', key: 'unit-yuyue-01', value: fixtures.unit() },
        ],
      },
      origin,
    );
    expect(origins).toEqual([origin]);
    expect(doc.getMap('units').get('unit-yuyue-01')).toEqual(fixtures.unit());
  });

  test('refuses the whole change when one record is invalid', () => {
    const doc = new Y.Doc();
    const change = {
      type: 'batch' as const,
      changes: [
        { type: 'put' as const, map: 'annotations', key: 'ann-lkp', value: fixtures.lastKnownPoint() },
        { type: 'put' as const, map: 'units', key: 'u', value: { ...fixtures.unit(), id: 'u', status: 'napping' } },
      ],
    };
    expect(() => applyChange(doc, 'station', change, origin)).toThrow(AppError);
    expect(doc.getMap('annotations').size).toBe(0);
  });

  test('deletes only from known collections', () => {
    const doc = new Y.Doc();
    applyChange(
      doc,
      'station',
      { type: 'put', map: 'annotations', key: 'ann-lkp', value: fixtures.lastKnownPoint() },
      origin,
    );
    applyChange(doc, 'station', { type: 'delete', map: 'annotations', key: 'ann-lkp' }, origin);
    expect(doc.getMap('annotations').size).toBe(0);
    expect(() => applyChange(doc, 'station', { type: 'delete', map: 'sectors', key: 'x' }, origin)).toThrow(
      /not a collection/,
    );
  });
});

describe('migrateDoc', () => {
  test('stamps new documents and runs record migrations from older versions', () => {
    const doc = new Y.Doc();
    initDoc(doc, { source: 'server' });
    expect(doc.getMap('meta').get('schemaVersion')).toBe(1);
    doc.getMap('things').set('a', { name: 'old' });
    const thing = defineRecordKind({
      map: 'things',
      version: 2,
      schema: Type.Object({ title: Type.String() }),
      migrations: { 1: (old) => ({ title: (old as { name: string }).name }) },
    });
    expect(migrateDoc(doc, 'station', 2, { things: thing as never })).toBe(1);
    expect(doc.getMap('things').get('a')).toEqual({ title: 'old' });
    expect(doc.getMap('meta').get('schemaVersion')).toBe(2);
    expect(migrateDoc(doc, 'station', 2, { things: thing as never })).toBe(0);
  });
});
