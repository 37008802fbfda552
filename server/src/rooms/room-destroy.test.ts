import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import * as Y from 'yjs';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import { Room, type RoomSession, type RoomSocket } from './room.ts';
import { encodeUpdate } from './sync-messages.ts';

const NAME = 'op/deqing-yuyue';
const writer: RoomSession = {
  sessionId: 's-deqing',
  access: 'write',
  user: { id: 'u-deqing', name: '德清值班', role: 'dispatcher', stationId: 'deqing-yuyue' },
};

const point = (id: string) => ({
  id,
  kind: 'point',
  geometry: { type: 'Point', coordinates: [120.2954, 30.5222] },
  label: id,
  color: '#2563eb',
  author: 'u-deqing',
  createdAt: 1_700_000_000_000,
  updatedAt: 1_700_000_000_000,
});

test('a room unloading stores what was queued before, and nothing that arrives while it writes its snapshot', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-room-destroy-'));
  const store = new SqliteStorage(dir);
  // The snapshot of the unload waits until the test lets it go (a slow disk or database).
  let snapshotting: () => void = () => undefined;
  const entered = new Promise<void>((resolve) => (snapshotting = resolve));
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const save = store.saveSnapshot.bind(store);
  store.saveSnapshot = async (...args) => {
    snapshotting();
    await gate;
    return save(...args);
  };
  const room = await Room.load(NAME, 'station', store, { snapshotEvery: 1_000 });
  const socket: RoomSocket = { send: () => undefined, close: () => undefined, isOpen: true };
  const conn = room.connect(socket, writer);
  await room.idle();
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(room.doc));
  const edit = (id: string) => {
    const before = Y.encodeStateVector(client);
    client.getMap('annotations').set(id, point(id));
    conn.receive(encodeUpdate(Y.encodeStateAsUpdate(client, before)));
  };

  edit('queued'); // queued before the unload began: written
  const closing = room.destroy();
  await entered;
  edit('late'); // came while the snapshot was written: not taken
  release();
  await closing;

  const logged = new Y.Doc();
  for (const u of await store.readUpdateLog(NAME)) Y.applyUpdate(logged, u.update);
  expect([...logged.getMap('annotations').keys()]).toEqual(['queued']);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});
