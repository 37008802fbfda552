import { expect, test, vi } from 'vitest';
import * as Y from 'yjs';
import { META_OPERATION_KEY, type Annotation, type OperationMeta } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { offlineCommanderSession } from './offline-session-harness.test-support.ts';
import type { OperationSession } from './operation-session.svelte.ts';
import { SKIP_NOTICE_MS, UNDO_LIMIT } from './session-undo.svelte.ts';

/** A commander's session of an operation of 禹越 (one station document beside the command one). */
const commanderSession = () => offlineCommanderSession(['st-yuyue']);

/** The commander closes the operation: the server's update to the command document's meta. */
function closeFromServer(session: OperationSession): void {
  const server = new Y.Doc();
  const meta: OperationMeta = {
    id: 'op-1',
    name: '禹越搜寻',
    kind: 'search',
    status: 'closed',
    stations: ['st-yuyue'],
    area: null,
    createdAt: 1,
    updatedAt: 2,
  };
  server.getMap('meta').set(META_OPERATION_KEY, meta);
  const d = session.commandDoc;
  Y.applyUpdate(d.doc, Y.encodeStateAsUpdate(server), d.provider);
}

const annotationIds = (s: OperationSession) => [...s.commandDoc.doc.getMap('annotations').keys()];

test('once the operation is closed, undo is off and leaves the drawing where the server has it', () => {
  const session = commanderSession();
  const point = fixtures.lastKnownPoint({ id: 'a-lastknown01' });
  session.putAnnotation('command', point);
  expect(session.canUndo).toBe(true);

  closeFromServer(session);
  expect(session.closed).toBe(true);
  expect(session.canUndo).toBe(false);
  session.undo(); // Ctrl+Z on the map
  expect(annotationIds(session)).toEqual(['a-lastknown01']);
  expect(session.pending).toBe(1); // only the drawing itself, no local undo to send
});

test('once the operation is closed, redo is off too: nothing is changed back', () => {
  const session = commanderSession();
  session.putAnnotation('command', fixtures.lastKnownPoint({ id: 'a-lastknown01' }));
  session.putAnnotation('command', fixtures.searchPolygon({ id: 'a-searcharea1' }));
  session.undo();
  expect(session.canRedo).toBe(true);
  expect(annotationIds(session)).toEqual(['a-lastknown01']);

  closeFromServer(session);
  expect(session.canRedo).toBe(false);
  session.redo(); // Ctrl+Shift+Z
  session.undo();
  expect(annotationIds(session)).toEqual(['a-lastknown01']);
  expect([session.canUndo, session.canRedo]).toEqual([false, false]);
});

/**
 * A colleague (another console, connected through the server) changes a document of the session:
 * their update arrives with the provider as origin, as the server relays it.
 */
function colleague(session: OperationSession, scope: string, edit: (annotations: Y.Map<Annotation>) => void): void {
  const d = session.doc(scope)!;
  const other = new Y.Doc();
  Y.applyUpdate(other, Y.encodeStateAsUpdate(d.doc));
  const before = Y.encodeStateVector(d.doc);
  edit(other.getMap<Annotation>('annotations'));
  Y.applyUpdate(d.doc, Y.encodeStateAsUpdate(other, before), d.provider);
}

const annotation = (s: OperationSession, scope: string, id: string) =>
  s.doc(scope)!.doc.getMap<Annotation>('annotations').get(id);

test('my relabel, then a colleague deletes the drawing: undo does not bring it back and says it was skipped', () => {
  const session = commanderSession();
  const point = fixtures.lastKnownPoint({ id: 'a-lastknown01' });
  session.putAnnotation('command', point);
  session.putAnnotation('command', { ...point, label: '最后出现位置（核实）' });
  colleague(session, 'command', (m) => m.delete('a-lastknown01'));

  session.undo(); // Ctrl+Z: my relabel is gone with the drawing
  expect(annotation(session, 'command', 'a-lastknown01')).toBeUndefined();
  expect(session.undoSkipped).toBe('undo');
  expect(session.canRedo).toBe(false); // nothing was undone, so there is nothing to redo

  session.undo(); // my drawing of it: also no longer as I left it
  expect(annotation(session, 'command', 'a-lastknown01')).toBeUndefined();
  expect([session.canUndo, session.canRedo]).toEqual([false, false]);
  expect(session.pending).toBe(2); // my two edits only: no undo was written
});

test('my move, then a colleague overwrites the drawing: undo keeps their change and redo stays off', () => {
  const session = commanderSession();
  const point = fixtures.lastKnownPoint({ id: 'a-lastknown01' });
  session.putAnnotation('st-yuyue', point);
  session.putAnnotation('st-yuyue', { ...point, geometry: { type: 'Point', coordinates: [120.3, 30.53] } });
  const theirs = { ...point, geometry: { type: 'Point', coordinates: [120.31, 30.54] }, label: '已搜索' } as Annotation;
  colleague(session, 'st-yuyue', (m) => m.set('a-lastknown01', theirs));

  session.undo();
  expect(annotation(session, 'st-yuyue', 'a-lastknown01')).toEqual(theirs);
  expect(session.undoSkipped).toBe('undo');
  expect(session.canRedo).toBe(false);
  session.redo();
  expect(annotation(session, 'st-yuyue', 'a-lastknown01')).toEqual(theirs);
});

test('undo, then a colleague changes the drawing: redo does not overwrite them and says it was skipped', () => {
  const session = commanderSession();
  const point = fixtures.lastKnownPoint({ id: 'a-lastknown01' });
  session.putAnnotation('command', point);
  session.putAnnotation('command', { ...point, label: '集合点' });
  session.undo();
  expect(annotation(session, 'command', 'a-lastknown01')?.label).toBe('最后出现位置');
  expect(session.undoSkipped).toBeNull();
  const theirs = { ...point, label: '集合点-指挥部' };
  colleague(session, 'command', (m) => m.set('a-lastknown01', theirs));

  expect(session.canRedo).toBe(true);
  session.redo();
  expect(annotation(session, 'command', 'a-lastknown01')).toEqual(theirs);
  expect(session.undoSkipped).toBe('redo');
  expect(session.canRedo).toBe(false);
});

test('a colleague edit to another drawing does not stop my undo; an identical copy of my record counts as untouched', () => {
  const session = commanderSession();
  const point = fixtures.lastKnownPoint({ id: 'a-lastknown01' });
  session.putAnnotation('command', point);
  session.putAnnotation('command', { ...point, label: '集合点' });
  colleague(session, 'command', (m) => {
    m.set('a-other00001', fixtures.searchPolygon({ id: 'a-other00001' }));
    // Rewritten with the same content (as after a re-import): still as I left it.
    m.set('a-lastknown01', { ...point, label: '集合点' });
  });

  session.undo();
  expect(annotation(session, 'command', 'a-lastknown01')?.label).toBe('最后出现位置');
  expect(session.undoSkipped).toBeNull();
});

test('my edits in two documents are undone and redone in order; a new edit forgets the redo steps', () => {
  const session = commanderSession();
  const point = fixtures.lastKnownPoint({ id: 'a-lastknown01' });
  const area = fixtures.searchPolygon({ id: 'a-searcharea1' });
  session.putAnnotation('command', point);
  session.putAnnotation('st-yuyue', area);
  session.putAnnotation('command', { ...point, label: '集合点' });
  session.deleteAnnotation('st-yuyue', area.id);
  const state = () => [
    annotation(session, 'command', point.id)?.label,
    annotation(session, 'st-yuyue', area.id)?.label,
  ];
  expect(state()).toEqual(['集合点', undefined]);

  const undone = [];
  for (let i = 0; i < 4; i++) {
    session.undo();
    undone.push(state());
  }
  expect(undone).toEqual([
    ['集合点', '重点搜索区'],
    ['最后出现位置', '重点搜索区'],
    ['最后出现位置', undefined],
    [undefined, undefined],
  ]);
  expect([session.canUndo, session.canRedo]).toEqual([false, true]);

  const redone = [];
  for (let i = 0; i < 3; i++) {
    session.redo();
    redone.push(state());
  }
  expect(redone).toEqual([
    ['最后出现位置', undefined],
    ['最后出现位置', '重点搜索区'],
    ['集合点', '重点搜索区'],
  ]);
  expect(session.undoSkipped).toBeNull();

  session.putAnnotation('st-yuyue', { ...area, label: '已搜索' });
  expect(session.canRedo).toBe(false);
  session.undo();
  expect(state()).toEqual(['集合点', '重点搜索区']);
});

test('undo keeps at most the last UNDO_LIMIT steps, and the document may drop every overwritten value', () => {
  const session = commanderSession();
  const point = fixtures.lastKnownPoint({ id: 'a-lastknown01' });
  const size = () => Y.encodeStateAsUpdate(session.commandDoc.doc).byteLength;
  session.putAnnotation('command', { ...point, label: 'v1' });
  const oneRecord = size();
  const edits = UNDO_LIMIT + 100;
  for (let i = 2; i <= edits; i++) session.putAnnotation('command', { ...point, label: `v${i}` });
  // Nothing pins the replaced records in the document (Y.UndoManager kept every one, ~170 bytes an edit).
  expect(size()).toBeLessThan(oneRecord + 100);

  let undone = 0;
  while (session.canUndo && undone <= edits) {
    session.undo();
    undone++;
  }
  expect(undone).toBe(UNDO_LIMIT);
  expect(annotation(session, 'command', 'a-lastknown01')?.label).toBe(`v${edits - UNDO_LIMIT}`);
  expect(session.undoSkipped).toBeNull();
});

test('the skipped notice goes away by itself after a few seconds', () => {
  vi.useFakeTimers();
  const session = commanderSession();
  session.putAnnotation('command', fixtures.lastKnownPoint({ id: 'a-lastknown01' }));
  colleague(session, 'command', (m) => m.delete('a-lastknown01'));
  session.undo();
  expect(session.undoSkipped).toBe('undo');
  vi.advanceTimersByTime(SKIP_NOTICE_MS);
  expect(session.undoSkipped).toBeNull();
});
