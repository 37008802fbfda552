// @vitest-environment jsdom
import 'fake-indexeddb/auto';
import { afterEach, expect, test, vi } from 'vitest';
import * as Y from 'yjs';
import { IdbDocStore } from './idb-store.ts';

/**
 * The browser's storage refusing writes: `full` aborts every write transaction that adds once its
 * requests have run (as a full disk aborts it when it commits, in the order the transactions
 * run), `refuseAdd` fails the add's own request instead (the transaction then aborts after the
 * requests placed before it have succeeded). `afterAdd` runs once, just after the next add is
 * placed; `replaced` counts deletions (a write of the whole state replacing what is stored
 * deletes once, unless a stored update cannot be read).
 */
const storage = { full: false, refuseAdd: false, afterAdd: null as (() => void) | null, replaced: 0 };
const add = IDBObjectStore.prototype.add;
IDBObjectStore.prototype.add = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['add']>) {
  // The first key is taken: the request fails with a ConstraintError.
  const req = storage.refuseAdd ? add.call(this, args[0], 1) : add.apply(this, args);
  if (storage.full) req.addEventListener('success', () => this.transaction.abort());
  const after = storage.afterAdd;
  storage.afterAdd = null;
  if (after) queueMicrotask(after);
  return req;
};
const commit = IDBTransaction.prototype.commit;
IDBTransaction.prototype.commit = function (this: IDBTransaction) {
  // Full: left to end by itself, so that the abort above comes first.
  if (!storage.full) commit.call(this);
};
const remove = IDBObjectStore.prototype.delete;
IDBObjectStore.prototype.delete = function (this: IDBObjectStore, query: IDBValidKey | IDBKeyRange) {
  storage.replaced++;
  return remove.call(this, query);
};

const open: IdbDocStore[] = [];
afterEach(() => {
  Object.assign(storage, { full: false, refuseAdd: false, afterAdd: null, replaced: 0 });
  for (const s of open.splice(0)) s.destroy();
});

let names = 0;
function openStore(name: string, remote: object = {}): { doc: Y.Doc; store: IdbDocStore } {
  const doc = new Y.Doc();
  const store = new IdbDocStore(name, doc, (origin) => origin === remote);
  open.push(store);
  return { doc, store };
}

const settled = (store: IdbDocStore) => new Promise<void>((resolve) => store.onSettled(resolve));
function failedIs(store: IdbDocStore, failed: boolean): Promise<void> {
  return new Promise((resolve) => {
    if (store.failed === failed) return resolve();
    store.onFailedChange(() => store.failed === failed && resolve());
  });
}

/** What a page reading the stored copy again would have. */
async function reloaded(name: string): Promise<string[]> {
  const { doc, store } = openStore(name);
  await settled(store);
  expect(store.synced).toBe(true);
  return [...doc.getMap<string>('m').keys()].sort();
}

/** A store whose last write was refused (storage full): its copy lacks `a`. */
async function incomplete(remote: object = {}) {
  const name = `doc-${names++}`;
  const { doc, store } = openStore(name, remote);
  await settled(store);
  storage.full = true;
  doc.getMap('m').set('a', 'first');
  await failedIs(store, true);
  return { name, doc, store };
}

test('a refused write marks the copy incomplete until a later write of the whole state stores it, edits made meanwhile included', async () => {
  const { name, doc, store } = await incomplete();
  doc.getMap('m').set('b', 'second');
  storage.full = false;
  await failedIs(store, false);
  expect(await reloaded(name)).toEqual(['a', 'b']);
});

test('an edit made while the whole state is being written is stored after it', async () => {
  const { name, doc, store } = await incomplete();
  storage.full = false;
  // The next write (the whole state, without `b`) is under way when `b` is made.
  let madeDuringWrite = false;
  storage.afterAdd = () => {
    madeDuringWrite = store.failed;
    doc.getMap('m').set('b', 'second');
  };
  await failedIs(store, false);
  expect(madeDuringWrite).toBe(true);
  expect(await reloaded(name)).toEqual(['a', 'b']);
});

test('a server update arriving while the whole state is being written is stored after it, with no second write of the whole state', async () => {
  const server = {};
  const { name, doc, store } = await incomplete(server);
  storage.full = false;
  const other = new Y.Doc();
  other.getMap('m').set('c', 'from the server');
  storage.afterAdd = () => {
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other), server);
    store.flush();
  };
  await failedIs(store, false);
  expect(await reloaded(name)).toEqual(['a', 'c']);
  expect(storage.replaced).toBe(1);
});

test('what is stored is read even when storing the state on opening fails', async () => {
  const name = `doc-${names++}`;
  const first = openStore(name);
  await settled(first.store);
  first.doc.getMap('m').set('a', 'stored offline');
  first.store.destroy();
  storage.refuseAdd = true;
  const { doc, store } = openStore(name);
  await settled(store);
  expect(doc.getMap('m').get('a')).toBe('stored offline');
  await failedIs(store, true);
});

test('closing a store whose copy is incomplete writes the whole state once more', async () => {
  const { name, store } = await incomplete();
  storage.full = false;
  store.destroy();
  expect(await reloaded(name)).toEqual(['a']);
});

test('a write of the whole state keeps what another tab stored that this one never read', async () => {
  const name = `doc-${names++}`;
  const { doc, store } = openStore(name);
  const tab = openStore(name);
  await Promise.all([settled(store), settled(tab.store)]);
  storage.full = true;
  doc.getMap('m').set('a', 'first');
  await failedIs(store, true);
  storage.full = false;
  tab.doc.getMap('m').set('t', 'from the other tab');
  await failedIs(store, false);
  expect(storage.replaced).toBe(1);
  expect(await reloaded(name)).toEqual(['a', 't']);
});

test('past 500 stored updates they are replaced by one update holding them all', async () => {
  const name = `doc-${names++}`;
  const { doc, store } = openStore(name);
  await settled(store);
  // The load stored the state it began with: 1; then 498 edits one by one.
  for (let i = 0; i < 498; i++) doc.getMap('m').set(`k${i}`, i);
  await expect.poll(() => storedCount(name)).toBe(499);
  doc.getMap('m').set('last', 'one more');
  await expect.poll(() => storedCount(name)).toBe(1);
  const keys = await reloaded(name);
  expect(keys).toHaveLength(499);
  expect(keys).toContain('last');
  expect(keys).toContain('k0');
});

test('a copy another tab deletes marks this one as incomplete', async () => {
  const name = `doc-${names++}`;
  const { store } = openStore(name);
  await settled(store);
  const deleted = new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = resolve;
    req.onerror = () => reject(req.error);
  });
  await failedIs(store, true);
  await deleted;
});

test('a database that does not open within 5 s marks the copy incomplete until it opens and stores it', async () => {
  const name = `doc-${names++}`;
  const holder = await holdOpen(name);
  const { doc, store } = openStore(name);
  doc.getMap('m').set('a', 'made before it opened');
  await failedIs(store, true);
  expect(store.settled).toBe(false);
  holder.close();
  await failedIs(store, false);
  expect(await reloaded(name)).toEqual(['a']);
}, 15_000);

test('a copy deleted by another tab while the whole state is being written stays marked incomplete', async () => {
  const { name, store } = await incomplete();
  storage.full = false;
  let deleted: Promise<unknown> | null = null;
  storage.afterAdd = () => {
    deleted = new Promise((resolve) => (indexedDB.deleteDatabase(name).onsuccess = resolve));
  };
  await expect.poll(() => deleted).not.toBeNull();
  await deleted;
  expect(store.failed).toBe(true);
});

test('a page going away with an incomplete copy writes the whole state then', async () => {
  const { name, store } = await incomplete();
  storage.full = false;
  window.dispatchEvent(new Event('pagehide'));
  expect(await reloaded(name)).toEqual(['a']);
  // Not the repair a second later: nothing was replaced.
  expect(storage.replaced).toBe(0);
  await failedIs(store, false);
});

test('a stored update that cannot be read keeps none of the others out, and is kept when the rest are replaced', async () => {
  const name = `doc-${names++}`;
  const first = new Y.Doc();
  first.getMap('m').set('a', 'stored');
  await putRaw(name, [new Uint8Array([0, 200, 7, 1]), Y.encodeStateAsUpdate(first)]);
  const { doc, store } = openStore(name);
  await settled(store);
  expect(doc.getMap('m').get('a')).toBe('stored');
  storage.full = true;
  doc.getMap('m').set('b', 'second');
  await failedIs(store, true);
  storage.full = false;
  await failedIs(store, false);
  expect(await storedCount(name)).toBe(2);
  expect(await reloaded(name)).toEqual(['a', 'b']);
});

test('a write of the whole state stores what the document holds, not what was overwritten', async () => {
  const { name, doc, store } = await incomplete();
  storage.full = false;
  await failedIs(store, false);
  // Ten values of 5 KB, from five people, each replacing the last, each stored; then a repair
  // replaces them all.
  const people = Array.from({ length: 5 }, () => new Y.Doc());
  for (let i = 0; i < 10; i++) {
    const person = people[i % 5]!;
    Y.applyUpdate(person, Y.encodeStateAsUpdate(doc));
    person.getMap('m').set('big', String(i).repeat(5_000));
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(person));
  }
  storage.full = true;
  doc.getMap('m').set('c', 'third');
  await failedIs(store, true);
  storage.full = false;
  await failedIs(store, false);
  expect(await storedBytes(name)).toBeLessThan(Y.encodeStateAsUpdate(doc).length + 100);
});

/** An open connection that does not let go holds up a deletion of `name`, and later opens wait behind it. */
async function holdOpen(name: string): Promise<IDBDatabase> {
  const holder = await new Promise<IDBDatabase>((resolve) => {
    const req = indexedDB.open(name);
    req.onsuccess = () => resolve(req.result);
  });
  indexedDB.deleteDatabase(name);
  return holder;
}

/** Write `updates` as they are into a new database of the y-indexeddb format. */
function putRaw(name: string, updates: Uint8Array[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name);
    req.onupgradeneeded = () => {
      req.result.createObjectStore('updates', { autoIncrement: true });
      req.result.createObjectStore('custom');
    };
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const tx = req.result.transaction('updates', 'readwrite');
      for (const u of updates) tx.objectStore('updates').add(u);
      tx.oncomplete = () => {
        req.result.close();
        resolve();
      };
    };
  });
}

/** The updates the database of `name` holds. */
function storedUpdates(name: string): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name);
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const all = req.result.transaction('updates').objectStore('updates').getAll();
      all.onsuccess = () => {
        req.result.close();
        resolve(all.result as Uint8Array[]);
      };
    };
  });
}
const storedCount = async (name: string) => (await storedUpdates(name)).length;
const storedBytes = async (name: string) => (await storedUpdates(name)).reduce((n, u) => n + u.length, 0);

test('a store closed before its database opened keeps what its document had', async () => {
  const name = `doc-${names++}`;
  const holder = await holdOpen(name);
  const { doc, store } = openStore(name);
  doc.getMap('m').set('a', 'made before it opened');
  store.destroy();
  holder.close();
  expect(await reloaded(name)).toEqual(['a']);
});

test('a local edit whose write fails is written again with the whole state 300 ms later, not after the backoff', async () => {
  const { name, doc, store } = await incomplete();
  storage.full = false;
  await failedIs(store, false);
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  try {
    // The backoff is at its first step (1 s) again: a second refusal, of a local edit, is tried
    // again 300 ms after it.
    storage.full = true;
    doc.getMap('m').set('b', 'second');
    await failedIs(store, true);
    storage.full = false;
    vi.advanceTimersByTime(300);
    await failedIs(store, false);
  } finally {
    vi.useRealTimers();
  }
  expect(await reloaded(name)).toEqual(['a', 'b']);
});
