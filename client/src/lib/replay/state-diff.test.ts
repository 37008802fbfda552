import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyChanges, applyRecords } from './apply-records.ts';
import type { ReplayState } from '@jointmap/shared';
import { StateDiffer } from './state-diff.ts';

const state = (json: Record<string, Record<string, unknown>>): ReplayState => ({
  operationId: 'op',
  at: 0,
  docs: [{ scope: 'deqing-yuyue', updates: 1, json }],
});

describe('StateDiffer', () => {
  it('sends only the records that changed since the last moment, and the page ends up with the whole state', () => {
    const differ = new StateDiffer();
    const doc = new Y.Doc();
    const first = state({
      units: { a: { id: 'a', status: 'busy' }, b: { id: 'b', status: 'available' } },
      annotations: { n1: { id: 'n1', label: 'x' } },
    });
    const c1 = differ.diff(first);
    expect(c1).toHaveLength(1);
    applyChanges(doc, c1[0]!.set, c1[0]!.del);

    // b changes, n1 goes, a stays: a is not sent again.
    const second = state({
      units: { a: { status: 'busy', id: 'a' }, b: { id: 'b', status: 'on_scene' } },
    });
    const c2 = differ.diff(second);
    expect(c2).toEqual([
      { scope: 'deqing-yuyue', set: { units: { b: { id: 'b', status: 'on_scene' } } }, del: { annotations: ['n1'] } },
    ]);
    applyChanges(doc, c2[0]!.set, c2[0]!.del);
    // The same as applying the whole state.
    const whole = new Y.Doc();
    applyRecords(whole, second.docs[0]!.json!);
    expect(doc.getMap('units').toJSON()).toEqual(whole.getMap('units').toJSON());
    expect(doc.getMap('annotations').toJSON()).toEqual({});

    // Nothing changed: nothing to send.
    expect(differ.diff(second)).toEqual([]);
  });
});
