import * as Y from 'yjs';

/** Object stores of the y-indexeddb format (kept, so documents stored by earlier versions load). */
const UPDATES = 'updates';
const CUSTOM = 'custom';
/** Past this many stored updates, they are replaced by one encoded state. */
const COMPACT_AFTER = 500;
/** Updates from the server (which it can always resend) are merged and written at most this often. */
const REMOTE_BATCH_MS = 500;

/**
 * A Y.Doc kept in IndexedDB, in the storage format of y-indexeddb (one database per document, an
 * auto-keyed `updates` store), through public browser APIs only. Unlike y-indexeddb it writes
 * remote updates in batches: local changes are written at once, each in its own transaction
 * (they must survive a reload), while updates whose origin `isRemote` are merged and written at
 * most every 500 ms, so a busy operation costs the page little. Updates it applied itself (the
 * stored state on load) carry this object as their origin.
 */
export class IdbDocStore {
  /** True once the stored state has been applied to the document. */
  synced = false;
  /** True once nothing more will be loaded: the stored state is applied, or storage failed. */
  settled = false;
  private readonly settledListeners = new Set<() => void>();
  private db: IDBDatabase | null = null;
  private destroyed = false;
  private batch: Uint8Array[] = [];
  private timer = 0;
  private stored = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly name: string,
    private readonly doc: Y.Doc,
    private readonly isRemote: (origin: unknown) => boolean,
  ) {
    doc.on('update', this.onUpdate);
    window.addEventListener('pagehide', this.flush);
    const req = indexedDB.open(name);
    req.onupgradeneeded = () => {
      req.result.createObjectStore(UPDATES, { autoIncrement: true });
      req.result.createObjectStore(CUSTOM);
    };
    req.onsuccess = () => {
      if (this.destroyed) return req.result.close();
      this.db = req.result;
      this.load();
    };
    // Private mode or quota: the document works, unstored.
    req.onerror = () => this.settle();
  }

  /** Called once nothing more will be loaded (at once if that is so already). */
  onSettled(fn: () => void): void {
    if (this.settled) fn();
    else this.settledListeners.add(fn);
  }

  private settle(): void {
    if (this.settled || this.destroyed) return;
    this.settled = true;
    for (const fn of this.settledListeners) fn();
    this.settledListeners.clear();
  }

  /** Called once the stored state is in the document. */
  onSynced(fn: () => void): void {
    this.listeners.add(fn);
  }

  destroy(): void {
    this.flush();
    this.destroyed = true;
    this.doc.off('update', this.onUpdate);
    window.removeEventListener('pagehide', this.flush);
    this.listeners.clear();
    this.settledListeners.clear();
    this.db?.close();
    this.db = null;
  }

  /** Write the batched remote updates now. */
  readonly flush = (): void => {
    clearTimeout(this.timer);
    this.timer = 0;
    if (this.batch.length === 0) return;
    const merged = this.batch.length === 1 ? this.batch[0]! : Y.mergeUpdates(this.batch);
    this.batch = [];
    this.write(merged);
  };

  private readonly onUpdate = (update: Uint8Array, origin: unknown): void => {
    // Before the database is open nothing is written: `load` stores the whole state first.
    if (origin === this || !this.db) return;
    if (!this.isRemote(origin)) return this.write(update);
    this.batch.push(update);
    if (!this.timer) this.timer = window.setTimeout(this.flush, REMOTE_BATCH_MS);
  };

  /** Store what the document has so far (changes made before the database opened), then apply what is stored. */
  private load(): void {
    const tx = this.db!.transaction(UPDATES, 'readwrite');
    tx.onabort = () => this.settle();
    const store = tx.objectStore(UPDATES);
    store.add(Y.encodeStateAsUpdate(this.doc));
    const all = store.getAll();
    all.onsuccess = () => {
      if (this.destroyed) return;
      const updates = all.result as Uint8Array[];
      this.stored = updates.length;
      try {
        Y.transact(this.doc, () => updates.forEach((u) => Y.applyUpdate(this.doc, u)), this, false);
      } finally {
        this.settle();
      }
      this.synced = true;
      for (const fn of this.listeners) fn();
      if (this.stored >= COMPACT_AFTER) this.compact();
    };
  }

  private write(update: Uint8Array): void {
    if (!this.db) return;
    this.db.transaction(UPDATES, 'readwrite').objectStore(UPDATES).add(update);
    if (++this.stored >= COMPACT_AFTER) this.compact();
  }

  /** Replace every stored update by one encoded state (in one transaction: never half done). */
  private compact(): void {
    if (!this.db) return;
    this.stored = 1;
    const store = this.db.transaction(UPDATES, 'readwrite').objectStore(UPDATES);
    const added = store.add(Y.encodeStateAsUpdate(this.doc));
    added.onsuccess = () => store.delete(IDBKeyRange.upperBound(added.result, true));
  }
}
