import { afterEach, expect, test, vi } from 'vitest';
import * as Y from 'yjs';
import { SilentSocket } from '../state/offline-session-harness.test-support.ts';
import { DocSync } from './doc-sync.ts';
import { slowIndexedDb } from './slow-indexeddb.test-support.ts';

/** Sockets the provider opened, with what the document held at that moment. */
const opened: Array<{ url: string; drawings: string[] }> = [];
let current: DocSync | null = null;

/** A socket that never opens and records what the document held when the provider made it. */
class RecordingSocket extends SilentSocket {
  constructor(readonly url: string) {
    super();
    opened.push({ url, drawings: current ? [...current.doc.getMap('annotations').keys()] : [] });
  }
}

function open(idb: ReturnType<typeof slowIndexedDb>): DocSync {
  vi.stubGlobal('window', Object.assign(new EventTarget(), { setTimeout, clearTimeout, setInterval, clearInterval }));
  vi.stubGlobal('navigator', { onLine: true });
  vi.stubGlobal('localStorage', { getItem: () => null, setItem: () => undefined, removeItem: () => undefined });
  vi.stubGlobal('WebSocket', RecordingSocket);
  vi.stubGlobal('indexedDB', idb.indexedDB);
  current = new DocSync({
    wsBase: 'ws://127.0.0.1:9',
    operationId: 'op-1',
    scope: 'deqing-yuyue',
    token: 't',
    userId: 'u-1',
    access: 'write',
  });
  return current;
}

afterEach(() => {
  current?.destroy();
  current = null;
  opened.length = 0;
  vi.unstubAllGlobals();
});

test('the link opens only once the stored copy is in the document, so edits made offline are asked about with it', async () => {
  const offline = new Y.Doc();
  offline.getMap('annotations').set('drawn-offline', { id: 'drawn-offline' });
  const idb = slowIndexedDb([Y.encodeStateAsUpdate(offline)]);
  open(idb);
  await new Promise((r) => setTimeout(r, 50));
  expect(opened).toEqual([]);
  idb.succeed();
  await vi.waitFor(() => expect(opened).toHaveLength(1));
  expect(opened[0]!.drawings).toEqual(['drawn-offline']);
});

test('the link waits while the browser storage opens, and storage that cannot be opened does not keep it shut', async () => {
  const idb = slowIndexedDb([]);
  open(idb);
  await new Promise((r) => setTimeout(r, 50));
  expect(opened).toEqual([]);
  idb.fail();
  await vi.waitFor(() => expect(opened).toHaveLength(1));
});
