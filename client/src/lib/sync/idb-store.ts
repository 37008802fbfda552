import * as Y from 'yjs';

/** Object stores of the y-indexeddb format (kept, so documents stored by earlier versions load). */
const UPDATES = 'updates';
const CUSTOM = 'custom';
/** Past this many stored updates, they are replaced by one encoded state. */
const COMPACT_AFTER = 500;
/** Updates from the server (which it can always resend) are merged and written at most this often. */
const REMOTE_BATCH_MS = 500;
/** A database not open after this long (an open held up by another tab, or hanging) counts as failed until it opens. */
const OPEN_WAIT_MS = 5_000;
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
 * most every 500 ms, so a busy operation costs the page little. Updates it applied itself (what
 * was stored, on load and when it compacts) carry this object as their origin.
 *
 * Every transaction is asked to commit as soon as its requests are placed (`commitNow`), and
 * write transactions of one store run in the order they were made, so an update written after a
 * write of the whole state is stored after it.
 */
export class IdbDocStore {
  /** True once the stored state has been applied to the document. */
  synced = false;
  /** True once nothing more will be loaded: the stored state is applied, or storage failed. */
  settled = false;
  /**
   * True while changes of the document are missing from the stored copy: the database did not open
   * (or not within {@link OPEN_WAIT_MS}), was closed by the browser, or a write failed (storage
   * full, or refused by the browser). Cleared once a later write of the whole state succeeds: the
   * copy is complete again.
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
  /**
   * Writes of the whole state under way (a repair, the load, a compaction): updates written
   * meanwhile go after them, so they are written, not skipped, even while the copy is marked
   * incomplete.
   */
  private whole = 0;
  private readonly openTimer: number;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly name: string,
    private readonly doc: Y.Doc,
    private readonly isRemote: (origin: unknown) => boolean,
  ) {
    doc.on('update', this.onUpdate);
    window.addEventListener('pagehide', this.onPageHide);
    this.openTimer = window.setTimeout(() => this.setFailed(true), OPEN_WAIT_MS);
    const req = indexedDB.open(name);
    req.onupgradeneeded = () => {
      req.result.createObjectStore(UPDATES, { autoIncrement: true });
      req.result.createObjectStore(CUSTOM);
    };
    req.onsuccess = () => {
      const db = req.result;
      if (this.destroyed) {
        // Closed before its database opened: what the document had by then is kept all the same.
        try {
          this.addState(db.transaction(UPDATES, 'readwrite'));
        } catch {
          // Closed by the browser meanwhile.
        }
        return db.close();
      }
      clearTimeout(this.openTimer);
      this.db = db;
      // Another tab deletes this copy (its operation forgotten), or the browser closed it (site
      // data cleared): nothing more can be stored here.
      db.onversionchange = () => this.lose(db);
      db.onclose = () => this.lose(db);
      this.load();
    };
    // Private mode or quota: the document works, unstored.
    req.onerror = () => {
      clearTimeout(this.openTimer);
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

  private lose(db: IDBDatabase): void {
    db.close();
    if (this.db !== db) return;
    this.db = null;
    this.setFailed(true);
    this.settle();
  }

  /** Write the whole state in `ms` (or sooner if already due sooner), to make the copy whole again. */
  private repairIn(ms: number): void {
    if (this.repairTimer && this.repairAt <= Date.now() + ms) return;
    clearTimeout(this.repairTimer);
    this.repairAt = Date.now() + ms;
    this.repairTimer = window.setTimeout(() => {
      this.repairTimer = 0;
      if (!this.failed || this.destroyed) return;
      // One under way: tried again if it does not make the copy whole.
      if (this.whole > 0) return this.repairIn(this.repairDelay);
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

  /**
   * Stop: batched updates are written, and a copy still incomplete gets one last write of the
   * whole state (a transaction made before the database closes still commits).
   */
  destroy(): void {
    this.onPageHide();
    this.destroyed = true;
    this.doc.off('update', this.onUpdate);
    window.removeEventListener('pagehide', this.onPageHide);
    this.listeners.clear();
    this.settledListeners.clear();
    this.failedListeners.clear();
    clearTimeout(this.repairTimer);
    clearTimeout(this.openTimer);
    this.db?.close();
    this.db = null;
  }

  /** The page may be gone next (a reload, a closed tab): what waits is written now. */
  private readonly onPageHide = (): void => {
    this.flush();
    this.storeWhole();
  };

  /** Add the whole state to an incomplete copy; nothing is replaced, so it is quick, for a page going away. */
  private storeWhole(): void {
    if (!this.db || this.destroyed || !this.failed) return;
    const tx = this.wholeWrite();
    if (!tx) return;
    this.addState(tx);
    this.stored++;
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

  /**
   * Apply what is stored, and store what the document has so far (changes made before the
   * database opened). Read first: a write refused (storage full) does not hide what is stored.
   */
  private load(): void {
    // Stored updates that could not be read will never load: the document goes on without them.
    const tx = this.wholeWrite(() => this.settle());
    if (!tx) return;
    const all = tx.objectStore(UPDATES).getAll();
    this.addState(tx);
    all.onsuccess = () => {
      if (this.destroyed) return;
      const updates = all.result as Uint8Array[];
      this.stored += updates.length + 1;
      // One that cannot be read keeps none of the others out.
      this.applyStored(updates);
      this.settle();
      this.synced = true;
      for (const fn of this.listeners) fn();
      if (this.stored >= COMPACT_AFTER) this.compact();
    };
  }

  /**
   * Store one update. After a failed write the stored copy lacks a change (and Yjs would hold back
   * every later one that builds on it), so updates are not written one by one until the whole state
   * has been (tried again with a growing wait, and soon after a local edit); while that write is
   * under way they are written after it.
   */
  private write(update: Uint8Array, local: boolean): void {
    if (!this.db) return;
    if (this.failed && this.whole === 0) return local ? this.repairIn(REPAIR_AFTER_EDIT_MS) : undefined;
    // A local edit whose write fails is tried again soon, as one refused while incomplete.
    const tx = this.transaction(local ? () => this.repairIn(REPAIR_AFTER_EDIT_MS) : undefined);
    if (!tx) return;
    tx.objectStore(UPDATES).add(update);
    commitNow(tx);
    if (++this.stored >= COMPACT_AFTER && this.whole === 0) this.compact();
  }

  /**
   * Replace the stored updates by the document's state. They are applied to the document first, as
   * y-indexeddb does: they may hold what this page never read (a load that failed, another tab's
   * writes), and the document's state, unlike a merge of updates, leaves out what was deleted. One
   * that cannot be read is kept. Read in one transaction and replaced in a second, made and
   * committed at once when the first has read, so that no write waits behind a transaction held
   * open for the page's script (a reload aborts what has not committed); what is written between
   * the two comes after what was read, and stays. The replacing is one transaction: never half
   * done, and a failed write keeps what was read.
   */
  private compact(): void {
    const db = this.db;
    if (!db) return;
    // Counted from the read until the replacing commits: writes meanwhile go after it.
    this.whole++;
    let read: IDBTransaction;
    try {
      read = db.transaction(UPDATES, 'readonly');
    } catch {
      this.whole--;
      return this.setFailed(true);
    }
    read.onabort = () => {
      this.whole--;
      this.setFailed(true);
    };
    const keys = read.objectStore(UPDATES).getAllKeys();
    const all = read.objectStore(UPDATES).getAll();
    commitNow(read);
    all.onsuccess = () => {
      this.whole--;
      // Closed, or taken away meanwhile: nothing more is stored here.
      if (this.db !== db || this.destroyed) return;
      const unread = this.applyStored(all.result as Uint8Array[]);
      const tx = this.wholeWrite();
      if (!tx) return;
      const store = tx.objectStore(UPDATES);
      const readKeys = keys.result;
      if (unread.length === 0 && readKeys.length) store.delete(IDBKeyRange.upperBound(readKeys[readKeys.length - 1]!));
      else readKeys.forEach((key, i) => unread.includes(i) || store.delete(key));
      this.addState(tx);
      const replaced = readKeys.length - unread.length;
      tx.addEventListener('complete', () => (this.stored = Math.max(1, this.stored - replaced + 1)));
    };
  }

  /** Add the document's whole state as one stored update, last in `tx`, and commit `tx` at once. */
  private addState(tx: IDBTransaction): void {
    tx.objectStore(UPDATES).add(Y.encodeStateAsUpdate(this.doc));
    commitNow(tx);
  }

  /** Apply stored updates to the document, each on its own; the indexes of those that cannot be read. */
  private applyStored(updates: Uint8Array[]): number[] {
    const unread: number[] = [];
    Y.transact(
      this.doc,
      () =>
        updates.forEach((u, i) => {
          try {
            Y.applyUpdate(this.doc, u);
          } catch {
            unread.push(i);
          }
        }),
      this,
      false,
    );
    return unread;
  }

  /**
   * A write transaction of the whole state: while it runs, updates are written after it. Once it
   * commits the copy is whole again (a write made after it that fails runs, and fails, after that:
   * write transactions of one store run in the order they were made).
   */
  private wholeWrite(onFail?: () => void): IDBTransaction | null {
    this.whole++;
    const tx = this.transaction(() => {
      this.whole--;
      onFail?.();
    });
    if (!tx) return null;
    const db = this.db;
    tx.oncomplete = () => {
      this.whole--;
      this.repairDelay = REPAIR_FIRST_MS;
      // Not if the database was taken away meanwhile (`lose`): nothing more will be stored.
      if (this.db === db) this.setFailed(false);
    };
    return tx;
  }

  /**
   * A write transaction whose failure (quota, a closed database) marks the copy incomplete, then
   * calls `onFail` (also when no transaction could be opened).
   */
  private transaction(onFail?: () => void): IDBTransaction | null {
    const fail = () => {
      onFail?.();
      this.setFailed(true);
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

/**
 * Ask for a transaction's commit now that all its requests are placed, rather than when the page
 * next goes idle: a reload right after an edit then no longer aborts its write (seen in Chromium
 * for writes of 10 KB and more). A transaction already aborted (its `onabort` has told) has
 * nothing to commit.
 */
function commitNow(tx: IDBTransaction): void {
  try {
    tx.commit();
  } catch {
    // Aborted already.
  }
}
