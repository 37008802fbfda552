import { rmSync } from 'node:fs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { Room, type RoomSession, type RoomSocket } from '@jointmap/server/rooms/room';
import { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import { pointAnnotation } from '../helpers/records.ts';
import { tempDir } from '../helpers/server.ts';

const DOC = 'op-group/deqing-yuyue';
const writer = (i: number): RoomSession => ({
  sessionId: `s${i}`,
  access: 'write',
  user: { id: `u${i}`, name: `值班${i}`, role: 'dispatcher', stationId: 'deqing-yuyue' },
});

/** A sync update message (y-websocket `[0, 2, update]`). */
function updateMessage(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, 2);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

/** The update carried by a sync update message, or null for any other message. */
function updateOf(message: Uint8Array): Uint8Array | null {
  const d = decoding.createDecoder(message);
  if (decoding.readVarUint(d) !== 0 || decoding.readVarUint(d) !== 2) return null;
  return decoding.readVarUint8Array(d);
}

/** SQLite storage that counts its append transactions and the updates stored so far. */
function spiedStorage(dir: string) {
  const store = new SqliteStorage(dir);
  const counts = { transactions: 0, stored: 0 };
  const appendOne = store.appendUpdate.bind(store);
  const appendMany = store.appendUpdates.bind(store);
  store.appendUpdate = async (doc, update, author) => {
    const seq = await appendOne(doc, update, author);
    counts.transactions++;
    counts.stored++;
    return seq;
  };
  store.appendUpdates = async (batch) => {
    const seqs = await appendMany(batch);
    counts.transactions++;
    counts.stored += batch.length;
    return seqs;
  };
  return { store, counts };
}

describe('group commit', () => {
  test('a burst from several clients lands in fewer transactions than updates; every relayed update is in the log, stored before it was relayed', async () => {
    const dir = tempDir('jointmap-group-');
    const { store, counts } = spiedStorage(dir);
    const room = await Room.load(DOC, 'station', store, { snapshotEvery: 10_000 });
    const before = { ...counts };

    // Each client's socket: what it was relayed, and whether each relay came after the append.
    const relayed: Uint8Array[][] = [];
    let early = 0;
    const conns = Array.from({ length: 4 }, (_, i) => {
      relayed.push([]);
      const socket: RoomSocket = {
        isOpen: true,
        close: () => undefined,
        send: (data) => {
          const update = updateOf(data);
          if (!update) return;
          relayed[i]!.push(update);
          // Four recipients per update minus its sender: stored updates bound what was relayed.
          if (relayed[i]!.length > counts.stored - before.stored) early++;
        },
      };
      return room.connect(socket, writer(i));
    });
    await room.idle();

    // Each client edits its own copy and sends 25 updates back to back (one event-loop turn).
    const UPDATES = 25;
    for (let i = 0; i < conns.length; i++) {
      const doc = new Y.Doc();
      const out: Uint8Array[] = [];
      doc.on('update', (u: Uint8Array) => out.push(u));
      for (let k = 0; k < UPDATES; k++)
        doc.getMap('annotations').set(`c${i}-${k}`, pointAnnotation(`c${i}-${k}`, `第${k}次`, 120.29 + k / 1000));
      for (const u of out) conns[i]!.receive(updateMessage(u));
    }
    await room.idle();

    const updates = counts.stored - before.stored;
    const transactions = counts.transactions - before.transactions;
    expect(updates).toBe(conns.length * UPDATES);
    expect(transactions).toBeLessThan(updates);
    expect(early).toBe(0);

    // Every update any client was relayed is in the log: the log alone rebuilds each one's view.
    const log = new Y.Doc();
    for (const entry of await store.readUpdateLog(DOC)) Y.applyUpdate(log, entry.update);
    const logged = new Set(log.getMap('annotations').keys());
    for (let i = 0; i < conns.length; i++) {
      const view = new Y.Doc();
      for (const u of relayed[i]!) Y.applyUpdate(view, u);
      const keys = [...view.getMap('annotations').keys()];
      expect(keys.length).toBe((conns.length - 1) * UPDATES);
      expect(keys.filter((k) => !logged.has(k))).toEqual([]);
    }
    console.log(`group commit: ${updates} updates from ${conns.length} clients in ${transactions} transactions`);

    await room.destroy();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a joiner that asks for the state during a burst is answered only with what is stored', async () => {
    const dir = tempDir('jointmap-group-');
    const { store, counts } = spiedStorage(dir);
    const room = await Room.load(DOC, 'station', store, { snapshotEvery: 10_000 });
    const sender = room.connect({ isOpen: true, close: () => undefined, send: () => undefined }, writer(0));
    await room.idle();
    const storedBefore = counts.stored;
    const doc = new Y.Doc();
    const out: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => out.push(u));
    for (let k = 0; k < 10; k++) doc.getMap('annotations').set(`k${k}`, pointAnnotation(`k${k}`, `${k}`));
    for (const u of out) sender.receive(updateMessage(u));
    // The joiner's step 1 arrives in the same turn, right after the burst.
    let storedAtAnswer = -1;
    let answered: Uint8Array | null = null;
    const joiner = room.connect(
      {
        isOpen: true,
        close: () => undefined,
        send: (data) => {
          const d = decoding.createDecoder(data);
          if (decoding.readVarUint(d) !== 0 || decoding.readVarUint(d) !== 1) return;
          answered = decoding.readVarUint8Array(d);
          storedAtAnswer = counts.stored;
        },
      },
      writer(1),
    );
    joiner.receive(new Uint8Array([0, 0, 1, 0]));
    await room.idle();
    expect(answered).not.toBeNull();
    const view = new Y.Doc();
    Y.applyUpdate(view, answered!);
    expect(view.getMap('annotations').size).toBe(10);
    // All ten were stored when the answer holding them was sent.
    expect(storedAtAnswer - storedBefore).toBe(10);
    await room.destroy();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
