import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type * as Y from 'yjs';
import { applyChange, type AppError } from '@jointmap/shared';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import type { DocStore } from '../storage/types.ts';
import { RoomManager } from './room-manager.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Real SQLite storage whose appends can be made to fail, as a full disk would. */
function flakyStore(): DocStore & { failAppends: boolean; sqlite: SqliteStorage } {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-rooms-'));
  dirs.push(dir);
  const sqlite = new SqliteStorage(dir);
  return {
    sqlite,
    failAppends: false,
    loadDoc: (doc) => sqlite.loadDoc(doc),
    saveSnapshot: (doc, seq, state) => sqlite.saveSnapshot(doc, seq, state),
    appendUpdate(doc, update, author) {
      if (this.failAppends) return Promise.reject(new Error('SQLITE_FULL: database or disk is full'));
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
});
