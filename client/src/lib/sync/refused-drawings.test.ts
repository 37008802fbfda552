import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { refusedDrawings } from './refused-drawings.ts';
import { encodeSyncStep1, readStateVector } from './sync-wire.ts';

describe('refused drawings', () => {
  it('reads the state vector of a sync step 1 frame', () => {
    const doc = new Y.Doc();
    doc.getMap('annotations').set('x', 1);
    const sv = Y.encodeStateVector(doc);
    expect(readStateVector(encodeSyncStep1(sv), 2)).toEqual(sv);
    expect(readStateVector(encodeSyncStep1(sv).slice(0, 3), 2)).toBeNull();
  });

  it('lists only the drawings added after the state the server announced', () => {
    const doc = new Y.Doc();
    const annotations = doc.getMap('annotations');
    annotations.set('a-lastknown01', fixtures.lastKnownPoint({ id: 'a-lastknown01' }));
    const server = Y.encodeStateVector(doc);
    annotations.set('a-searcharea1', fixtures.searchPolygon({ id: 'a-searcharea1' }));
    const features = refusedDrawings(doc, server);
    expect(features.map((f) => f.id)).toEqual(['a-searcharea1']);
    expect(features[0]!.geometry.type).toBe('Polygon');
    // One the server had, changed here since, is listed too; an untouched one still is not.
    annotations.set('a-lastknown01', fixtures.lastKnownPoint({ id: 'a-lastknown01', label: '改过' }));
    expect(refusedDrawings(doc, server).map((f) => [f.id, f.properties!.label])).toEqual([
      ['a-lastknown01', '改过'],
      ['a-searcharea1', fixtures.searchPolygon({ id: 'a-searcharea1' }).label],
    ]);
  });
});
