import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { expect, test, vi } from 'vitest';
import * as Y from 'yjs';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import { Room, type RoomSession, type RoomSocket } from './room.ts';

const session: RoomSession = {
  sessionId: 's',
  access: 'read',
  user: { id: 'u-wall', name: '大屏', role: 'viewer', stationId: null },
};

test('a quiet room keeps its connections alive with no-op messages', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-room-'));
  const store = new SqliteStorage(dir);
  const room = await Room.load('op/deqing-yuyue', 'station', store, { snapshotEvery: 100, keepaliveMs: 30 });
  const received: number[][] = [];
  const socket: RoomSocket = { send: (d) => received.push([...d]), close: () => undefined, isOpen: true };
  room.connect(socket, session);
  await new Promise((r) => setTimeout(r, 150));
  const keepalives = received.filter((m) => {
    const d = decoding.createDecoder(new Uint8Array(m));
    return decoding.readVarUint(d) === 1 && decoding.readVarUint8Array(d).join() === '0';
  });
  expect(keepalives.length).toBeGreaterThanOrEqual(2);
  await room.destroy();
  const after = received.length;
  await new Promise((r) => setTimeout(r, 100));
  expect(received.length).toBe(after);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('content a snapshot held as pending (written by an older version) is dropped on load and never served', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-room-'));
  const store = new SqliteStorage(dir);
  const name = 'op/deqing-yuyue';
  const writer = new Y.Doc();
  const updates: Uint8Array[] = [];
  writer.on('update', (u: Uint8Array) => updates.push(u));
  writer.getMap('annotations').set('a', { never: 'sent' });
  writer.getMap('annotations').set('b', { held: 'zqPENDINGzq' });
  // What an older server stored: a state whose pending part is the update with a gap before it.
  const old = new Y.Doc();
  Y.applyUpdate(old, updates[1]!);
  expect(old.store.pendingStructs).not.toBeNull();
  const seq = await store.appendUpdate(name, new Uint8Array([0, 0]), { sessionId: null, userId: null });
  await store.saveSnapshot(name, seq, Y.encodeStateAsUpdate(old));

  const room = await Room.load(name, 'station', store, { snapshotEvery: 100 });
  expect(room.doc.store.pendingStructs).toBeNull();
  const received: Uint8Array[] = [];
  const socket: RoomSocket = { send: (d) => received.push(d), close: () => undefined, isOpen: true };
  const conn = room.connect(socket, { ...session, access: 'write' });
  conn.receive(new Uint8Array([0, 0, 1, 0])); // sync step 1 with an empty state vector
  await room.idle();
  expect(received.some((m) => Buffer.from(m).includes('zqPENDINGzq'))).toBe(false);
  await room.destroy();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the keepalive goes only to connections that were sent nothing within the window', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-room-'));
  const store = new SqliteStorage(dir);
  // Only intervals are faked (the keepalive's), so the windows are exact.
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  const room = await Room.load('op/deqing-yuyue', 'station', store, { snapshotEvery: 100, keepaliveMs: 40 });
  const isKeepalive = (m: Uint8Array) => m.length === 3 && m[0] === 1 && m[1] === 1 && m[2] === 0;
  const keepalives = { talker: 0, listener: 0 };
  const socketOf = (who: 'talker' | 'listener'): RoomSocket => ({
    send: (d) => void (isKeepalive(d) && keepalives[who]++),
    close: () => undefined,
    isOpen: true,
  });
  const talker = room.connect(socketOf('talker'), { ...session, sessionId: 's-talker' });
  room.connect(socketOf('listener'), { ...session, sessionId: 's-listener' });
  // The talker's own presence changes go to the listener only: the talker gets nothing else.
  for (let clock = 1; clock <= 30; clock++) {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint(e, 77);
    encoding.writeVarUint(e, clock);
    encoding.writeVarString(e, JSON.stringify({ clock }));
    const update = encoding.toUint8Array(e);
    const message = encoding.createEncoder();
    encoding.writeVarUint(message, 1);
    encoding.writeVarUint8Array(message, update);
    talker.receive(encoding.toUint8Array(message));
    vi.advanceTimersByTime(10);
  }
  vi.useRealTimers();
  expect(keepalives.listener).toBe(0);
  expect(keepalives.talker).toBeGreaterThanOrEqual(3);
  await room.destroy();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a commit tells its hook which top-level maps it changed, deletions included', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-room-'));
  const store = new SqliteStorage(dir);
  const seen: string[][] = [];
  const room = await Room.load('op/deqing-yuyue', 'station', store, {
    snapshotEvery: 100,
    hooks: { onCommitted: (_room, _bytes, _recipients, roots) => seen.push([...roots].sort()) },
  });
  await room.idle();
  seen.length = 0; // the load's own commit (the document's meta)
  await room.serverChange((doc) => doc.getMap('annotations').set('a', { label: 'x' }));
  await room.serverChange((doc) => {
    doc.getMap('rules').set('r', { name: 'zone' });
    doc.getMap('units').set('u', { callsign: 'c' });
  });
  await room.serverChange((doc) => doc.getMap('rules').delete('r'));
  await room.idle();
  expect(seen).toEqual([['annotations'], ['rules', 'units'], ['rules']]);
  await room.destroy();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a server change that throws halfway: what it changed before the throw is appended and relayed, and the caller gets its error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-room-'));
  const store = new SqliteStorage(dir);
  const name = 'op/deqing-yuyue';
  const room = await Room.load(name, 'station', store, { snapshotEvery: 100 });
  const received: Uint8Array[] = [];
  const socket: RoomSocket = { send: (d) => received.push(d), close: () => undefined, isOpen: true };
  room.connect(socket, session);
  const before = received.length;
  // What the connection holds already (the room's own first writes).
  const seen = new Y.Doc();
  Y.applyUpdate(seen, Y.encodeStateAsUpdate(room.doc));
  const refused = room.serverChange((doc) =>
    doc.transact(() => {
      doc.getMap('annotations').set('first', { kept: 'yes' });
      throw new Error('the second record is refused');
    }),
  );
  await expect(refused).rejects.toThrow('the second record is refused');
  expect(room.doc.getMap('annotations').get('first')).toEqual({ kept: 'yes' });
  // The log holds what the document holds.
  const logged = new Y.Doc();
  for (const u of await store.readUpdateLog(name)) Y.applyUpdate(logged, u.update);
  expect(logged.getMap('annotations').toJSON()).toEqual({ first: { kept: 'yes' } });
  // And the connection was sent it.
  for (const m of received.slice(before)) {
    const d = decoding.createDecoder(m);
    if (decoding.readVarUint(d) !== 0 || decoding.readVarUint(d) !== 2) continue;
    Y.applyUpdate(seen, decoding.readVarUint8Array(d));
  }
  expect(seen.getMap('annotations').toJSON()).toEqual({ first: { kept: 'yes' } });
  await room.destroy();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});
