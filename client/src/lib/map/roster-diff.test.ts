import { describe, expect, it } from 'vitest';
import { changedRecords } from './roster-diff.ts';

describe('changedRecords', () => {
  it('names only the units whose record was set, added or removed', () => {
    const a = { id: 'a', status: 'available' };
    const b = { id: 'b', status: 'busy' };
    const c = { id: 'c', status: 'busy' };
    const before = new Map([
      ['s/a', a],
      ['s/b', b],
      ['s/c', c],
    ]);
    // b's status changed (a new record object), c left, d arrived; a is the same record.
    const after = new Map([
      ['s/a', a],
      ['s/b', { ...b, status: 'on_scene' }],
      ['s/d', { id: 'd', status: 'available' }],
    ]);
    expect([...changedRecords(before, after)].sort()).toEqual(['s/b', 's/c', 's/d']);
    expect(changedRecords(after, new Map(after)).size).toBe(0);
  });
});
