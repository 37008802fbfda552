import { afterEach, expect, test, vi } from 'vitest';
import * as Y from 'yjs';
import { memoryStorage } from '../state/memory-storage.test-support.ts';
import { unsentEditsOf } from '../state/unsent-edits.ts';
import { DocSync } from './doc-sync.ts';
import { pendingKey } from './local-copies.ts';
import { PENDING_STALE_MS } from './pending-counts.ts';
import { scriptedSockets, serverStep1, serverStep2, stubPage } from './scripted-link.test-support.ts';

const USER = 'u-deqing';
const DOC = 'op-1/deqing-yuyue';
const opened: DocSync[] = [];

/** A page (tab) of `USER` opening the station document; its socket opens only when the test says. */
function openTab(): DocSync {
  const sync = new DocSync({
    wsBase: 'ws://127.0.0.1:9',
    operationId: 'op-1',
    scope: 'deqing-yuyue',
    token: 't',
    userId: USER,
    access: 'write',
    persist: false,
  });
  opened.push(sync);
  return sync;
}

/** `n` drawings made in `sync`'s page (each a change of its own, tagged as the console tags them). */
function draw(sync: DocSync, n: number): void {
  const annotations = sync.doc.getMap('annotations');
  for (let i = 0; i < n; i++)
    sync.doc.transact(() => annotations.set(`a-${Math.random().toString(36).slice(2)}`, { i }), { source: 'session' });
}

afterEach(() => {
  for (const sync of opened.splice(0)) sync.destroy();
  vi.unstubAllGlobals();
});

test('two tabs of one user offline: the edits waiting on this workstation are both tabs’, and a reloaded tab counts its own again', () => {
  const link = scriptedSockets();
  stubPage(link.Socket);
  const first = openTab();
  const second = openTab();
  draw(first, 2);
  draw(second, 1);
  expect([first.pending, second.pending]).toEqual([2, 1]);
  expect(unsentEditsOf(USER)).toBe(3);

  // The first tab reloads: the new page takes over its two, not the second tab's one.
  first.destroy();
  const reloaded = openTab();
  expect(reloaded.pending).toBe(2);
  expect(second.pending).toBe(1);
  expect(unsentEditsOf(USER)).toBe(3);
  draw(second, 1);
  expect(unsentEditsOf(USER)).toBe(4);
});

test('a tab whose edits the server confirmed no longer counts; the other tab’s still do', async () => {
  const link = scriptedSockets();
  const storage = stubPage(link.Socket);
  const first = openTab();
  const second = openTab();
  draw(first, 2);
  draw(second, 1);

  // The second tab's link comes back: the server asks for its state, then answers its probe.
  const socket = link.sockets[1]!;
  socket.open();
  socket.receive(serverStep1(new Y.Doc()));
  socket.receive(serverStep2()); // the answer to the provider's own step 1
  await vi.waitFor(() => expect(socket.step1s).toBe(2)); // our probe went out
  socket.receive(serverStep2());
  expect(second.pending).toBe(0);
  expect(unsentEditsOf(USER)).toBe(2);
  // Only the first tab's entry is left, and the total the sign-out check reads is its count.
  const keys = Array.from({ length: storage.length }, (_, i) => storage.key(i)!).filter((k) => k.includes(DOC));
  expect(keys).toHaveLength(2);
  expect(storage.getItem(pendingKey(USER, DOC))).toBe('2');
});

test('a page gone without a word (crashed) leaves its count to the next page, once it has not been heard of for a while', () => {
  const storage = memoryStorage();
  const at = Date.now();
  // A crashed page's entry, and an open tab's, written as they would be.
  storage.setItem(`${pendingKey(USER, DOC)}#crashed`, JSON.stringify({ n: 4, at: at - PENDING_STALE_MS - 1000 }));
  storage.setItem(`${pendingKey(USER, DOC)}#alive`, JSON.stringify({ n: 1, at: at - 60_000 }));
  storage.setItem(pendingKey(USER, DOC), '5');
  stubPage(scriptedSockets().Socket, storage);
  const page = openTab();
  expect(page.pending).toBe(4);
  expect(unsentEditsOf(USER)).toBe(5);
  expect(storage.getItem(`${pendingKey(USER, DOC)}#crashed`)).toBeNull();
});

test('a count kept before tabs had their own (one shared number) is taken over by the next page', () => {
  const storage = memoryStorage();
  storage.setItem(pendingKey(USER, DOC), '3');
  stubPage(scriptedSockets().Socket, storage);
  const page = openTab();
  expect(page.pending).toBe(3);
  draw(page, 1);
  expect(unsentEditsOf(USER)).toBe(4);
});
