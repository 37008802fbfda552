import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'vitest';
import { expect, test, vi } from 'vitest';
import * as Y from 'yjs';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import { Room, type RoomSession, type RoomSocket } from './room.ts';
import { decodeMessage, encodeSyncStep2, encodeUpdate } from './sync-messages.ts';

const NAME = 'op/deqing-yuyue';
const writer: RoomSession = {
  sessionId: 's-writer',
  access: 'write',
  user: { id: 'u-deqing', name: '德清值班', role: 'dispatcher', stationId: 'deqing-yuyue' },
};
const reader: RoomSession = {
  sessionId: 's-wall',
  access: 'read',
  user: { id: 'u-wall', name: '大屏', role: 'viewer', stationId: null },
};

const point = (id: string, label: string) => ({
  id,
  kind: 'point',
  geometry: { type: 'Point', coordinates: [120.2954, 30.5222] },
  label,
  color: '#2563eb',
  author: 'u-deqing',
  createdAt: 1_700_000_000_000,
  updatedAt: 1_700_000_000_000,
});

/** A room on a fresh SQLite store, a writer and a reader connected; what the reader is sent is kept. */
async function setUp(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-room-bytes-'));
  const store = new SqliteStorage(dir);
  const room = await Room.load(NAME, 'station', store, { snapshotEvery: 1_000 });
  t.onTestFinished(async () => {
    await room.destroy();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const socket = (sink: Uint8Array[]): RoomSocket => ({
    send: (d) => sink.push(d),
    close: () => undefined,
    isOpen: true,
  });
  const toReader: Uint8Array[] = [];
  const toWriter: Uint8Array[] = [];
  const writerConn = room.connect(socket(toWriter), writer);
  room.connect(socket(toReader), reader);
  await room.idle();
  const logLength = (await store.readUpdateLog(NAME)).length;
  /** The document as it was at set-up (what a client synced then has). */
  const base = Y.encodeStateAsUpdate(room.doc);
  /** Updates relayed to the reader since set-up. */
  const relayed = () => toReader.map((m) => decodeMessage(m)).flatMap((m) => (m.type === 'update' ? [m.update] : []));
  /** Log entries written since set-up. */
  const logged = async () => (await store.readUpdateLog(NAME)).slice(logLength);
  return { room, base, writerConn, toWriter, relayed, logged };
}

/** Updates a client doc produces for one change each. */
function clientUpdates(doc: Y.Doc, change: () => void): Uint8Array[] {
  const updates: Uint8Array[] = [];
  const listen = (u: Uint8Array) => updates.push(u);
  doc.on('update', listen);
  change();
  doc.off('update', listen);
  return updates;
}

test("a writer's valid update is appended and relayed byte for byte as it came, without Yjs encoding it again", async (t) => {
  const { room, writerConn, relayed, logged } = await setUp(t);
  const emit = vi.spyOn(room.doc, 'emit');
  const client = new Y.Doc();
  const updates = [
    ...clientUpdates(client, () => client.getMap('annotations').set('a-1', point('a-1', '禹越卡口'))),
    ...clientUpdates(client, () => client.getMap('annotations').set('a-1', point('a-1', '禹越卡口 北'))),
    ...clientUpdates(client, () => client.getMap('annotations').delete('a-1')),
  ];
  for (const u of updates) writerConn.receive(encodeUpdate(u));
  await room.idle();
  expect((await logged()).map((e) => [...e.update])).toEqual(updates.map((u) => [...u]));
  expect(relayed().map((u) => [...u])).toEqual(updates.map((u) => [...u]));
  expect((await logged()).every((e) => e.sessionId === 's-writer')).toBe(true);
  // Yjs emits 'update' only after encoding one, which it does only while somebody listens.
  expect(emit.mock.calls.filter(([name]) => name === 'update')).toHaveLength(0);
  expect(emit.mock.calls.filter(([name]) => name === 'afterTransaction')).toHaveLength(3);
});

test('an update the schema repair changed is stored and relayed as what the document took, not as sent', async (t) => {
  const { room, base, writerConn, toWriter, relayed, logged } = await setUp(t);
  const client = new Y.Doc();
  const [valid] = clientUpdates(client, () => client.getMap('annotations').set('a-1', point('a-1', '原样')));
  const [invalid] = clientUpdates(client, () =>
    client
      .getMap('annotations')
      .set('a-1', { ...point('a-1', '坏'), geometry: { type: 'Point', coordinates: [999, 0] } }),
  );
  writerConn.receive(encodeUpdate(valid!));
  writerConn.receive(encodeUpdate(invalid!));
  await room.idle();
  const entries = await logged();
  expect(entries).toHaveLength(2);
  expect([...entries[1]!.update]).not.toEqual([...invalid!]);
  // What was stored and relayed leaves every copy with the valid record.
  for (const copy of [entries.map((e) => e.update), relayed()]) {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, base);
    for (const u of copy) Y.applyUpdate(doc, u);
    expect(doc.getMap('annotations').get('a-1')).toEqual(point('a-1', '原样'));
  }
  expect(room.doc.getMap('annotations').get('a-1')).toEqual(point('a-1', '原样'));
  expect(toWriter.some((m) => decodeMessage(m).type === 'update')).toBe(true);
});

test("a sync step 2 is stored as what the document lacked, not the sender's whole delete set", async (t) => {
  const { room, writerConn, logged } = await setUp(t);
  const client = new Y.Doc();
  // Each record written twice, one after the other: 20 separate deleted ranges in the client's delete set.
  for (let i = 0; i < 20; i++) {
    for (const version of [1, 2]) client.getMap('annotations').set(`a-${i}`, point(`a-${i}`, `点 ${i} 第${version}版`));
  }
  writerConn.receive(encodeUpdate(Y.encodeStateAsUpdate(client)));
  await room.idle();
  // The server has everything; the client deletes one record offline and answers a sync step 1.
  client.getMap('annotations').delete('a-3');
  const answer = Y.encodeStateAsUpdate(client, Y.encodeStateVector(room.doc));
  const before = (await logged()).length;
  writerConn.receive(encodeSyncStep2(answer));
  await room.idle();
  const entries = (await logged()).slice(before);
  expect(entries).toHaveLength(1);
  expect(entries[0]!.update.byteLength).toBeLessThan(answer.byteLength / 2);
  expect(room.doc.getMap('annotations').has('a-3')).toBe(false);
});

test('an update that changes nothing is neither stored nor relayed', async (t) => {
  const { room, writerConn, relayed, logged } = await setUp(t);
  const client = new Y.Doc();
  const [update] = clientUpdates(client, () => client.getMap('annotations').set('a-1', point('a-1', '一次')));
  writerConn.receive(encodeUpdate(update!));
  writerConn.receive(encodeUpdate(update!));
  await room.idle();
  expect(await logged()).toHaveLength(1);
  expect(relayed()).toHaveLength(1);
});
