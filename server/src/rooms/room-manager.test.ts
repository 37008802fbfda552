import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import type * as Y from 'yjs';
import { applyChange, type AppError } from '@jointmap/shared';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import type { DocStore } from '../storage/types.ts';
import { RoomManager } from './room-manager.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface FlakyStore extends DocStore {
  sqlite: SqliteStorage;
  /** Every append fails while set, as on a full disk. */
  failAppends: boolean;
  /** The next this-many appends fail, then appends work again. */
  appendFailures: number;
  /** The next this-many loads fail (storage unreachable), then loads work again. */
  loadFailures: number;
  loads: number;
  appends: number;
  /** While set, appends wait for it (a slow disk, or a PostgreSQL round trip). */
  appendGate: Promise<void> | null;
}

/** Real SQLite storage whose loads and appends can be made to fail. */
function flakyStore(): FlakyStore {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-rooms-'));
  dirs.push(dir);
  const sqlite = new SqliteStorage(dir);
  return {
    sqlite,
    failAppends: false,
    appendFailures: 0,
    loadFailures: 0,
    loads: 0,
    appends: 0,
    appendGate: null,
    loadDoc(doc) {
      this.loads++;
      if (this.loadFailures > 0) {
        this.loadFailures--;
        return Promise.reject(new Error('SQLITE_IOERR: disk I/O error'));
      }
      return sqlite.loadDoc(doc);
    },
    saveSnapshot: (doc, seq, state) => sqlite.saveSnapshot(doc, seq, state),
    async appendUpdate(doc, update, author) {
      this.appends++;
      if (this.appendGate) await this.appendGate;
      if (this.failAppends || this.appendFailures > 0) {
        this.appendFailures = Math.max(0, this.appendFailures - 1);
        throw new Error('SQLITE_FULL: database or disk is full');
      }
      return sqlite.appendUpdate(doc, update, author);
    },
  };
}

const schemaVersion = (value: number) => (doc: Y.Doc) =>
  applyChange(doc, 'command', { type: 'put', map: 'meta', key: 'schemaVersion', value }, { source: 'server' });

describe('RoomManager', () => {
  test('a server write that cannot be made durable is reported, and the next join gets one fresh room', async () => {
    const store = flakyStore();
    const rooms = new RoomManager(store, { idleMs: 60_000, snapshotEvery: 100 });
    const first = await rooms.get('op/command');
    store.failAppends = true;
    await expect(first.serverChange(schemaVersion(2))).rejects.toMatchObject({
      code: 'STORAGE_UNAVAILABLE',
    } satisfies Partial<AppError>);
    expect(first.isFailed).toBe(true);
    store.failAppends = false;
    const [a, b] = await Promise.all([rooms.get('op/command'), rooms.get('op/command')]);
    expect(a).toBe(b);
    expect(a).not.toBe(first);
    // The failed write never became state.
    expect(a.doc.getMap('meta').get('schemaVersion')).toBe(1);
    await a.serverChange(schemaVersion(3));
    expect((await rooms.get('op/command')).doc.getMap('meta').get('schemaVersion')).toBe(3);
    await rooms.closeAll();
    await store.sqlite.close();
  });

  test('a caller’s own error in a server change is passed on without failing the room', async () => {
    const store = flakyStore();
    const rooms = new RoomManager(store, { idleMs: 60_000, snapshotEvery: 100 });
    const room = await rooms.get('op/command');
    await expect(room.serverChange(schemaVersion(-5))).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
    expect(room.isFailed).toBe(false);
    await rooms.closeAll();
    await store.sqlite.close();
  });

  test('rooms loaded only for a server write unload when idle', async () => {
    const store = flakyStore();
    const rooms = new RoomManager(store, { idleMs: 20, snapshotEvery: 100 });
    const room = await rooms.get('op/deqing-yuyue');
    await room.serverChange(schemaVersion(1));
    expect(rooms.has('op/deqing-yuyue')).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(rooms.has('op/deqing-yuyue')).toBe(false);
    expect(room.destroyed).toBe(true);
    await store.sqlite.close();
  });

  test('in use while a room loads or has connections; not for a room loaded only for a server write', async () => {
    const store = flakyStore();
    const rooms = new RoomManager(store, { idleMs: 60_000, snapshotEvery: 100 });
    expect(rooms.inUse).toBe(false);
    const loading = rooms.get('op/command');
    expect(rooms.inUse).toBe(true);
    const room = await loading;
    await room.serverChange(schemaVersion(2));
    expect(rooms.inUse).toBe(false);
    const socket = { send: () => undefined, close: () => undefined, isOpen: true };
    const session = {
      sessionId: 's',
      access: 'read' as const,
      user: { id: 'u', name: '大屏', role: 'viewer' as const, stationId: null },
    };
    const conn = room.connect(socket, session);
    expect(rooms.inUse).toBe(true);
    conn.close();
    expect(rooms.inUse).toBe(false);
    await rooms.closeAll();
    await store.sqlite.close();
  });

  test('a load that keeps failing is retried a bounded number of times, then refused; nothing failed stays cached', async () => {
    const store = flakyStore();
    const attempts: boolean[] = [];
    const rooms = new RoomManager(store, {
      idleMs: 60_000,
      snapshotEvery: 100,
      loadRetries: 2,
      loadBackoffMs: 1,
      onLoadFailed: (_room, _err, willRetry) => attempts.push(willRetry),
    });
    store.loadFailures = 100;
    // Two joiners at once share one load and its retries.
    const joins = [rooms.get('op/command'), rooms.get('op/command')];
    for (const join of joins) {
      await expect(join).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' } satisfies Partial<AppError>);
    }
    expect(store.loads).toBe(3);
    expect(attempts).toEqual([true, true, false]);
    expect(rooms.has('op/command')).toBe(false);
    // Storage is back: the next join loads the document.
    store.loadFailures = 0;
    const room = await rooms.get('op/command');
    expect(room.isFailed).toBe(false);
    expect(room.doc.getMap('meta').get('schemaVersion')).toBe(1);
    await rooms.closeAll();
    await store.sqlite.close();
  });

  test('a write that fails while loading (stamping a new document) is retried a bounded number of times, not forever', async () => {
    const store = flakyStore();
    const rooms = new RoomManager(store, { idleMs: 60_000, snapshotEvery: 100, loadRetries: 2, loadBackoffMs: 1 });
    store.appendFailures = 50;
    await expect(rooms.get('op/command')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    // One stamp per attempt: three attempts, not a loop until the storage happens to work again.
    expect(store.appends).toBe(3);
    expect(store.loads).toBe(3);
    store.appendFailures = 0;
    const room = await rooms.get('op/command');
    expect(room.isFailed).toBe(false);
    expect(room.doc.getMap('meta').get('schemaVersion')).toBe(1);
    await rooms.closeAll();
    await store.sqlite.close();
  });

  test('retries of a failed load back off exponentially', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const store = flakyStore();
      const rooms = new RoomManager(store, { idleMs: 60_000, snapshotEvery: 100, loadRetries: 3, loadBackoffMs: 100 });
      store.loadFailures = 3;
      const join = rooms.get('op/command');
      await vi.advanceTimersByTimeAsync(0);
      expect(store.loads).toBe(1);
      await vi.advanceTimersByTimeAsync(99);
      expect(store.loads).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(store.loads).toBe(2);
      await vi.advanceTimersByTimeAsync(199);
      expect(store.loads).toBe(2);
      await vi.advanceTimersByTimeAsync(1);
      expect(store.loads).toBe(3);
      await vi.advanceTimersByTimeAsync(400);
      expect(store.loads).toBe(4);
      // The fourth attempt found storage back: the joiner gets the room.
      expect((await join).isFailed).toBe(false);
      await rooms.closeAll();
      await store.sqlite.close();
    } finally {
      vi.useRealTimers();
    }
  });

  test('shutdown does not wait out a retry', async () => {
    const store = flakyStore();
    const rooms = new RoomManager(store, { idleMs: 60_000, snapshotEvery: 100, loadRetries: 5, loadBackoffMs: 60_000 });
    store.loadFailures = 100;
    const join = rooms.get('op/command');
    while (store.loads === 0) await new Promise((r) => setTimeout(r, 1));
    await rooms.closeAll();
    await expect(join).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(store.loads).toBe(1);
    await store.sqlite.close();
  });

  test('an operation storage calls purged is refused at once (not retried, nothing written), and loads again once it is not', async () => {
    const store = flakyStore();
    const purged = new Set(['op']);
    const asked: string[] = [];
    const failed: string[] = [];
    const rooms = new RoomManager(store, {
      idleMs: 60_000,
      snapshotEvery: 100,
      loadRetries: 3,
      loadBackoffMs: 60_000,
      isPurged: (id) => (asked.push(id), Promise.resolve(purged.has(id))),
      onLoadFailed: (room) => failed.push(room),
    });
    await expect(rooms.get('op/command')).rejects.toMatchObject({ code: 'OPERATION_PURGED' });
    await expect(rooms.get('op/deqing')).rejects.toMatchObject({ code: 'OPERATION_PURGED' });
    expect([store.loads, store.appends, rooms.names()]).toEqual([0, 0, []]);
    expect((await rooms.get('other/command')).isFailed).toBe(false);
    // Restored (on any instance): storage no longer calls it purged.
    purged.delete('op');
    expect((await rooms.get('op/command')).doc.getMap('meta').get('schemaVersion')).toBe(1);
    expect(asked).toEqual(['op', 'op', 'other', 'op']);
    // A refusal is no failed load (no retry, no metric, no error logged).
    expect(failed).toEqual([]);
    await rooms.closeAll();
    await store.sqlite.close();
  });

  test('storage that cannot say whether an operation was purged is a failed load: retried, then STORAGE_UNAVAILABLE', async () => {
    const store = flakyStore();
    let asked = 0;
    const rooms = new RoomManager(store, {
      idleMs: 60_000,
      snapshotEvery: 100,
      loadRetries: 2,
      loadBackoffMs: 1,
      isPurged: () => (++asked < 3 ? Promise.reject(new Error('connection terminated')) : Promise.resolve(false)),
    });
    expect((await rooms.get('op/command')).isFailed).toBe(false);
    expect([asked, store.loads]).toEqual([3, 1]);
    asked = -10;
    await expect(rooms.get('op/deqing')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(store.loads).toBe(1);
    await rooms.closeAll();
    await store.sqlite.close();
  });

  test('documents blocked by two overlapping purges stay refused until both end', async () => {
    const store = flakyStore();
    const rooms = new RoomManager(store, { idleMs: 60_000, snapshotEvery: 100 });
    rooms.block(['op/command']);
    rooms.block(['op/command']);
    await expect(rooms.get('op/command')).rejects.toMatchObject({ code: 'OPERATION_PURGED' });
    rooms.unblock(['op/command']);
    await expect(rooms.get('op/command')).rejects.toMatchObject({ code: 'OPERATION_PURGED' });
    expect(store.loads).toBe(0);
    rooms.unblock(['op/command']);
    expect((await rooms.get('op/command')).isFailed).toBe(false);
    await rooms.closeAll();
    await store.sqlite.close();
  });

  test('a room loaded while the evicted one still writes waits for it: the new room has the last write', async () => {
    const store = flakyStore();
    const rooms = new RoomManager(store, { idleMs: 60_000, snapshotEvery: 100 });
    const old = await rooms.get('op/command');
    let open!: () => void;
    store.appendGate = new Promise((resolve) => (open = resolve));
    const appendsBefore = store.appends;
    const written = old.serverChange(schemaVersion(2));
    await vi.waitFor(() => expect(store.appends).toBe(appendsBefore + 1));
    // The operation closes (its rooms are evicted) while that append is on its way; someone opens it.
    const evicted = rooms.evict('op/command');
    const next = rooms.get('op/command');
    open();
    await Promise.all([written, evicted]);
    const fresh = await next;
    expect(fresh).not.toBe(old);
    expect(fresh.doc.getMap('meta').get('schemaVersion')).toBe(2);
    await rooms.closeAll();
    await store.sqlite.close();
  });
});
