import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { expect, test } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { decodeRejection } from '@jointmap/shared';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import type { DocRelay, RelayMessage } from './relay-port.ts';
import { Room, type RoomSession, type RoomSocket } from './room.ts';

const session: RoomSession = {
  sessionId: 's',
  access: 'read',
  user: { id: 'u-wall', name: '大屏', role: 'viewer', stationId: null },
};

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

test('an update refused in part by the screening and in part by the schema: one refusal, the screening’s first, both counted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-room-'));
  const store = new SqliteStorage(dir);
  const room = await Room.load('op/deqing-yuyue', 'station', store, { snapshotEvery: 100 });
  const received: Uint8Array[] = [];
  const socket: RoomSocket = { send: (d) => received.push(d), close: () => undefined, isOpen: true };
  const conn = room.connect(socket, { ...session, access: 'write' });
  await room.idle();
  const client = new Y.Doc();
  client.transact(() => {
    client.getMap('zq-root').set('x', 1); // not a collection of a station document: screened out
    client.getMap('units').set('unit-1', { id: 'unit-1' }); // a unit without its fields: repaired away
    client.getMap('annotations').set('ann-2', { id: 'ann-2' }); // nor an annotation
  });
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, 2);
  encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(client));
  conn.receive(encoding.toUint8Array(e));
  await room.idle();
  const refusals = received.flatMap((m) => {
    const d = decoding.createDecoder(m);
    if (decoding.readVarUint(d) !== 2 || decoding.readVarUint(d) !== 0) return [];
    return [decodeRejection(decoding.readVarString(d))];
  });
  expect(refusals).toEqual([
    expect.objectContaining({
      code: 'INVALID_PAYLOAD',
      message: '"zq-root": not a collection of a station document (and 2 more)',
    }),
  ]);
  expect(refusals[0]!.issues!.map((i) => i.entry).sort()).toEqual(['annotations/ann-2', 'units/unit-1']);
  expect(room.doc.getMap('units').has('unit-1')).toBe(false);
  await room.destroy();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a room unloading removes its connections’ presence and tells the other instances', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-room-'));
  const store = new SqliteStorage(dir);
  const published: RelayMessage[] = [];
  const relay: DocRelay = {
    subscribe: () => ({ ready: Promise.resolve(), publish: (m) => published.push(m), close: () => undefined }),
    updatesAfter: async () => [],
  };
  const room = await Room.load('op/command', 'command', store, { snapshotEvery: 100, relay });
  const socket: RoomSocket = { send: () => undefined, close: () => undefined, isOpen: true };
  const conn = room.connect(socket, session);
  // A presence state from this connection (message type 1: awareness), client id 7.
  const state = new awarenessProtocol.Awareness(new Y.Doc());
  state.clientID = 7;
  state.setLocalState({}); // clock 0, as a stock client's first state, which no server applies
  state.setLocalState({ pointer: [120.3, 30.5] });
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(state, [7]));
  conn.receive(encoding.toUint8Array(e));
  await room.idle();
  const statesOf7 = () =>
    published.flatMap((m) => {
      if (m.type !== 'awareness') return [];
      const seen = new awarenessProtocol.Awareness(new Y.Doc());
      awarenessProtocol.applyAwarenessUpdate(seen, m.update, null);
      return seen.meta.has(7) ? [seen.getStates().get(7) ?? null] : [];
    });
  expect(statesOf7()).toEqual([expect.objectContaining({ pointer: [120.3, 30.5] })]);
  await room.destroy();
  // The removal went out before the relay closed.
  expect(statesOf7().at(-1)).toBeNull();
  state.destroy();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});
