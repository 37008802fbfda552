import { afterAll, beforeEach, expect, onTestFinished, test, vi } from 'vitest';
import * as Y from 'yjs';
import { META_OPERATION_KEY, type OperationMeta } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import type { OperationData } from './operation-data.ts';
import { OperationSession } from './operation-session.svelte.ts';

/** A WebSocket that never opens: the session works on its local documents, as offline. */
class SilentSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  readonly readyState = 0;
  binaryType = 'arraybuffer';
  onopen = null;
  onclose = null;
  onmessage = null;
  onerror = null;
  send(): void {}
  close(): void {}
}

beforeEach(() => {
  vi.stubGlobal('window', Object.assign(new EventTarget(), { setTimeout, clearTimeout, setInterval, clearInterval }));
  vi.stubGlobal('navigator', { onLine: true });
  vi.stubGlobal('location', { protocol: 'http:', host: '127.0.0.1:9', origin: 'http://127.0.0.1:9' });
  vi.stubGlobal('WebSocket', SilentSocket);
  vi.stubGlobal('requestAnimationFrame', (fn: () => void) => setTimeout(fn, 0));
  vi.stubGlobal('cancelAnimationFrame', (id: ReturnType<typeof setTimeout>) => clearTimeout(id));
});
afterAll(() => void vi.unstubAllGlobals());

function commanderSession(): OperationSession {
  const data = {
    view: {
      id: 'op-1',
      name: '禹越搜寻',
      kind: 'search',
      status: 'active',
      stations: ['st-yuyue'],
      documents: [],
      stationDetails: [],
      createdAt: 1,
    },
    jurisdictions: { type: 'FeatureCollection', features: [] },
    context: { type: 'FeatureCollection', features: [] },
    fromCache: false,
  } as unknown as OperationData;
  const session = new OperationSession(
    data,
    { id: 'u-cmd', name: '指挥', role: 'commander', stationId: null },
    'token',
    {
      wsBase: 'ws://127.0.0.1:9',
      persist: false,
    },
  );
  onTestFinished(() => session.destroy());
  return session;
}

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
