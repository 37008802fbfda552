import { expect, test } from 'vitest';
import * as Y from 'yjs';
import type { Annotation } from '@jointmap/shared';
import { MarkerIndex } from './marker-index.svelte.ts';
import { newMarker } from './markers.ts';

test('the marker index follows clue and found markers across documents and ignores other annotations', () => {
  const a = new Y.Doc();
  const b = new Y.Doc();
  const clue = newMarker('clue', [120.1, 30.1], '线索', 'u1', 10, 'm1');
  a.getMap('annotations').set('m1', clue);
  const index = new MarkerIndex([
    { scope: 'deqing-yuyue', doc: a },
    { scope: 'command', doc: b },
  ]);
  let changes = 0;
  index.onChange(() => changes++);
  expect(index.markers).toEqual([{ scope: 'deqing-yuyue', record: clue }]);

  const plain: Annotation = { ...clue, id: 'p1', symbol: undefined, createdAt: 30 };
  b.getMap('annotations').set('p1', plain);
  expect(changes).toBe(0);

  const found = newMarker('found', [120.2, 30.2], '找到', 'u2', 20, 'm2');
  b.getMap('annotations').set('m2', found);
  expect(index.markers).toEqual([
    { scope: 'command', record: found },
    { scope: 'deqing-yuyue', record: clue },
  ]);

  // A marker edited into a plain point leaves the list; a deleted one too.
  a.getMap('annotations').set('m1', { ...clue, symbol: undefined });
  b.getMap('annotations').delete('m2');
  expect(index.markers).toEqual([]);
  expect(changes).toBe(3);

  index.destroy();
  a.getMap('annotations').set('m3', newMarker('clue', [120, 30], '线索', 'u1', 40, 'm3'));
  expect(index.markers).toEqual([]);
});
