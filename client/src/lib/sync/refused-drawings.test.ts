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

describe('refused drawings, as the server has the document', () => {
  it('leaves out a drawing whose current version came from elsewhere through the server', () => {
    const here = new Y.Doc();
    const other = new Y.Doc();
    other.getMap('annotations').set('a-lastknown01', fixtures.lastKnownPoint({ id: 'a-lastknown01' }));
    Y.applyUpdate(here, Y.encodeStateAsUpdate(other));
    // Drawn here, then changed by someone else, whose change the server had announced.
    here.getMap('annotations').set('a-searcharea1', fixtures.searchPolygon({ id: 'a-searcharea1' }));
    Y.applyUpdate(other, Y.encodeStateAsUpdate(here));
    other.getMap('annotations').set('a-searcharea1', fixtures.searchPolygon({ id: 'a-searcharea1', label: '他改' }));
    const server = Y.encodeStateVector(other);
    Y.applyUpdate(here, Y.encodeStateAsUpdate(other));
    expect(refusedDrawings(here, server)).toEqual([]);
    // Deleted here since: nothing of it to keep.
    here.getMap('annotations').delete('a-lastknown01');
    expect(refusedDrawings(here, server)).toEqual([]);
  });

  it('copes with a server state this copy has not received yet', () => {
    const here = new Y.Doc();
    here.getMap('annotations').set('a-searcharea1', fixtures.searchPolygon({ id: 'a-searcharea1' }));
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(here));
    other.getMap('annotations').set('a-lastknown01', fixtures.lastKnownPoint({ id: 'a-lastknown01' }));
    other.getMap('annotations').set('a-lastknown02', fixtures.lastKnownPoint({ id: 'a-lastknown02' }));
    here.getMap('annotations').set('a-searcharea2', fixtures.searchPolygon({ id: 'a-searcharea2' }));
    expect(refusedDrawings(here, Y.encodeStateVector(other)).map((f) => f.id)).toEqual(['a-searcharea2']);
  });
});
