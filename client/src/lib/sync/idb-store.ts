import * as Y from 'yjs';

/** Object stores of the y-indexeddb format (kept, so documents stored by earlier versions load). */
const UPDATES = 'updates';
const CUSTOM = 'custom';
/** Past this many stored updates, they are replaced by one encoded state. */
const COMPACT_AFTER = 500;
/** Updates from the server (which it can always resend) are merged and written at most this often. */
const REMOTE_BATCH_MS = 500;
/** After a failed write the whole state is written again after this long, doubling up to {@link REPAIR_MAX_MS}… */
const REPAIR_FIRST_MS = 1_000;
const REPAIR_MAX_MS = 30_000;
/** …and soon after a local edit (edits are few; the server's updates wait for the next try). */
const REPAIR_AFTER_EDIT_MS = 300;

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
  /**
   * True while changes of the document are missing from the stored copy: the database did not open,
   * or a write failed (storage full, or refused by the browser). Cleared once a later write of the
   * whole state succeeds: the copy is complete again.
   */
  failed = false;
  private readonly failedListeners = new Set<() => void>();
  private readonly settledListeners = new Set<() => void>();
  private db: IDBDatabase | null = null;
  private destroyed = false;
  private batch: Uint8Array[] = [];
  private timer = 0;
  private stored = 0;
  private repairTimer = 0;
  private repairAt = 0;
  private repairDelay = REPAIR_FIRST_MS;
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
    req.onerror = () => {
      this.setFailed(true);
      this.settle();
    };
  }

  /** Called when `failed` changes. */
  onFailedChange(fn: () => void): void {
    this.failedListeners.add(fn);
  }

  private setFailed(failed: boolean): void {
    if (this.destroyed) return;
    if (failed) this.repairIn(this.repairDelay);
    if (this.failed === failed) return;
    this.failed = failed;
    for (const fn of this.failedListeners) fn();
  }

  /** Write the whole state in `ms` (or sooner if already due sooner), to make the copy whole again. */
  private repairIn(ms: number): void {
    if (this.repairTimer && this.repairAt <= Date.now() + ms) return;
    clearTimeout(this.repairTimer);
    this.repairAt = Date.now() + ms;
    this.repairTimer = window.setTimeout(() => {
      this.repairTimer = 0;
      if (!this.failed || this.destroyed) return;
      this.repairDelay = Math.min(this.repairDelay * 2, REPAIR_MAX_MS);
      this.compact();
    }, ms);
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
    this.failedListeners.clear();
    clearTimeout(this.repairTimer);
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
    this.write(merged, false);
  };

  private readonly onUpdate = (update: Uint8Array, origin: unknown): void => {
    // Before the database is open nothing is written: `load` stores the whole state first.
    if (origin === this || !this.db) return;
    if (!this.isRemote(origin)) return this.write(update, true);
    this.batch.push(update);
    if (!this.timer) this.timer = window.setTimeout(this.flush, REMOTE_BATCH_MS);
  };

  /** Store what the document has so far (changes made before the database opened), then apply what is stored. */
  private load(): void {
    // Stored updates that could not be read will never load: the document goes on without them.
    const tx = this.transaction(() => this.settle());
    if (!tx) return;
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

  /**
   * Store one update. After a failed write the stored copy lacks a change (and Yjs would hold back
   * every later one that builds on it), so updates are not written one by one until the whole state
   * has been (tried again with a growing wait, and soon after a local edit).
   */
  private write(update: Uint8Array, local: boolean): void {
    if (!this.db) return;
    if (this.failed) return local ? this.repairIn(REPAIR_AFTER_EDIT_MS) : undefined;
    if (++this.stored >= COMPACT_AFTER) return this.compact();
    this.transaction()?.objectStore(UPDATES).add(update);
  }

  /**
   * Replace every stored update by one encoded state (in one transaction: never half done). The
   * stored ones are deleted only once they are in the document: if the load failed, they hold edits
   * of an earlier session this page never read.
   */
  private compact(): void {
    if (!this.db) return;
    this.stored = 1;
    const tx = this.transaction();
    if (!tx) return;
    tx.oncomplete = () => {
      this.repairDelay = REPAIR_FIRST_MS;
      this.setFailed(false);
    };
    const store = tx.objectStore(UPDATES);
    const added = store.add(Y.encodeStateAsUpdate(this.doc));
    added.onsuccess = () => {
      if (this.synced) store.delete(IDBKeyRange.upperBound(added.result, true));
    };
  }

  /**
   * A write transaction whose failure (quota, a closed database) marks the copy incomplete, then
   * calls `onFail` (also when no transaction could be opened).
   */
  private transaction(onFail?: () => void): IDBTransaction | null {
    const fail = () => {
      this.setFailed(true);
      onFail?.();
    };
    try {
      const tx = this.db!.transaction(UPDATES, 'readwrite');
      tx.onabort = fail;
      return tx;
    } catch {
      // The browser closed the database (cleared site data, or it is shutting down).
      fail();
      return null;
    }
  }
}
