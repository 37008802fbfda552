import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyRecords } from './apply-records.ts';

describe('applyRecords', () => {
  it('makes the document hold exactly the given records, touching only those that differ, in one transaction', () => {
    const doc = new Y.Doc();
    applyRecords(doc, {
      units: { a: { id: 'a', status: 'available' }, b: { id: 'b', status: 'busy' } },
      tasks: { t: { id: 't' } },
    });
    const seen: string[][] = [];
    doc.getMap('units').observe((e) => seen.push([...e.keysChanged].sort()));
    let transactions = 0;
    doc.on('afterTransaction', () => transactions++);

    const changed = applyRecords(doc, {
      units: { a: { id: 'a', status: 'available' }, c: { id: 'c', status: 'en_route' } },
    });
    expect(changed).toBe(3); // b removed, c added, task t removed; a unchanged
    expect(transactions).toBe(1);
    expect(seen).toEqual([['b', 'c']]);
    expect(doc.getMap('units').toJSON()).toEqual({
      a: { id: 'a', status: 'available' },
      c: { id: 'c', status: 'en_route' },
    });
    expect(doc.getMap('tasks').toJSON()).toEqual({});
    expect(
      applyRecords(doc, { units: { a: { id: 'a', status: 'available' }, c: { id: 'c', status: 'en_route' } } }),
    ).toBe(0);
  });
});

describe('applyRecords between moments', () => {
  it('leaves a record alone when the server sends it again with its keys in another order', () => {
    const doc = new Y.Doc();
    applyRecords(doc, { units: { a: { id: 'a', status: 'busy', pos: [1, 2], note: { x: 1, y: null } } } });
    const held = doc.getMap('units').get('a');
    expect(applyRecords(doc, { units: { a: { note: { y: null, x: 1 }, pos: [1, 2], status: 'busy', id: 'a' } } })).toBe(
      0,
    );
    expect(doc.getMap('units').get('a')).toBe(held);
    expect(applyRecords(doc, { units: { a: { id: 'a', status: 'busy', pos: [1, 3], note: { x: 1, y: null } } } })).toBe(
      1,
    );
    expect(applyRecords(doc, { units: { a: { id: 'a', status: 'busy', pos: [1, 3], note: { x: 1 } } } })).toBe(1);
  });
});
