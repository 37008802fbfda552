import { afterEach, expect, test, vi } from 'vitest';
import * as Y from 'yjs';
import { unsentEditsOf } from '../state/unsent-edits.ts';
import { DocSync } from './doc-sync.ts';
import { pendingKey } from './local-copies.ts';
import { slowIndexedDb } from './slow-indexeddb.test-support.ts';
import { scriptedSockets, serverStep1, serverStep2, stubPage } from './scripted-link.test-support.ts';

// Faked before anything is imported: y-websocket reads the clock through lib0, which keeps the
// `Date.now` it found when loaded.
vi.hoisted(() => vi.useFakeTimers());

const USER = 'u-deqing';
const DOC = 'op-1/deqing-yuyue';
const opened: DocSync[] = [];

afterEach(() => {
  for (const sync of opened.splice(0)) sync.destroy();
  vi.unstubAllGlobals();
});

const wait = (ms: number) => vi.advanceTimersByTimeAsync(ms);

/** A page of `USER` reopening the station document; an earlier page left `restored` edits unconfirmed. */
function reopen(restored: number, stored: Uint8Array[]) {
  const link = scriptedSockets();
  const storage = stubPage(link.Socket);
  storage.setItem(pendingKey(USER, DOC), String(restored));
  const idb = slowIndexedDb(stored);
  vi.stubGlobal('indexedDB', idb.indexedDB);
  const storageOpens = idb.succeed;
  const sync = new DocSync({
    wsBase: 'ws://127.0.0.1:9',
    operationId: 'op-1',
    scope: 'deqing-yuyue',
    token: 't',
    userId: USER,
    access: 'write',
  });
  opened.push(sync);
  return { link, sync, storageOpens };
}

/** A drawing made offline by an earlier page (or another tab), as the stored copy holds it. */
function storedDrawing(): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap('annotations').set('drawn-offline', { id: 'drawn-offline' });
  return Y.encodeStateAsUpdate(doc);
}

/** Sync update frames (`[messageSync, messageYjsUpdate, …]`) the page sent on `socket`. */
const updatesSent = (socket: { sent: Uint8Array[] }) => socket.sent.filter((f) => f[0] === 0 && f[1] === 2).length;

test('stored edits the browser storage applies after the link opened count as unsent, and no probe confirms anything before they went out', async () => {
  const { link, sync, storageOpens } = reopen(1, [storedDrawing()]);
  expect(sync.pending).toBe(1);
  // Storage does not answer within 5 s: the link opens without the stored copy.
  await wait(5_000);
  const socket = link.last()!;
  socket.open();
  socket.receive(serverStep1(new Y.Doc()));
  socket.receive(serverStep2()); // the answer to the provider's own step 1
  // No probe while the stored copy is loading: the earlier page's edit has not gone out yet.
  await wait(4_000);
  expect(socket.step1s).toBe(1);
  expect(sync.pending).toBe(1);

  // The stored copy loads now: its drawing goes out on the link, and is unsent until answered.
  storageOpens();
  await wait(0);
  expect(sync.doc.getMap('annotations').has('drawn-offline')).toBe(true);
  expect(updatesSent(socket)).toBe(1);
  expect(sync.pending).toBe(2); // the earlier page's count, and the drawing as it went out
  expect(unsentEditsOf(USER)).toBe(2);
  // Now a probe goes out, and only its answer confirms.
  await wait(200);
  expect(socket.step1s).toBe(2);
  expect(sync.pending).toBe(2);
  socket.receive(serverStep2());
  expect(sync.pending).toBe(0);
  expect(unsentEditsOf(USER)).toBe(0);
});

test('a stored copy loaded before the link opens is not counted again: the earlier page’s count covers it', async () => {
  const { link, sync, storageOpens } = reopen(1, [storedDrawing()]);
  await wait(100);
  expect(link.sockets).toHaveLength(0);
  storageOpens();
  await wait(0);
  expect(sync.doc.getMap('annotations').has('drawn-offline')).toBe(true);
  expect(link.sockets).toHaveLength(1);
  expect(sync.pending).toBe(1);
  expect(unsentEditsOf(USER)).toBe(1);
});
