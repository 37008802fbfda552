import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import type { DocRelay, RelayEvent, RelayMessage, SeqUpdate } from './relay-port.ts';
import { AppliedSeqs, RoomRelayLink, type RelayedRoom } from './room-relay.ts';

/** An in-memory relay for one document: the test delivers events and keeps the durable log. */
function memoryRelay() {
  const log: SeqUpdate[] = [];
  const published: RelayMessage[] = [];
  let listener: ((e: RelayEvent) => void) | null = null;
  let reads = 0;
  const relay: DocRelay = {
    subscribe(_doc, l) {
      listener = l;
      return { ready: Promise.resolve(), publish: (m) => published.push(m), close: () => (listener = null) };
    },
    async updatesAfter(_doc, seq) {
      reads++;
      return log.filter((r) => r.seq > seq);
    },
  };
  return {
    relay,
    log,
    published,
    deliver: (e: RelayEvent) => listener?.(e),
    get reads() {
      return reads;
    },
  };
}

/** A room that applies what it is given to a Y.Doc, running queued work in order. */
function memoryRoom() {
  const doc = new Y.Doc();
  /** The keys each applied update set. */
  const applied: string[][] = [];
  let chain = Promise.resolve();
  const room: RelayedRoom = {
    run: (task) => void (chain = chain.then(task)),
    applyRelayed: (update) => {
      Y.applyUpdate(doc, update);
      const alone = new Y.Doc();
      Y.applyUpdate(alone, update);
      applied.push(Object.keys(alone.getMap('m').toJSON()).sort());
    },
    applyAwareness: () => undefined,
    ownAwareness: () => null,
  };
  return { room, doc, applied, idle: () => chain };
}

/** An update setting `key` on the map `m`, from its own client. */
function setKey(key: string): Uint8Array {
  const d = new Y.Doc();
  d.getMap('m').set(key, key);
  return Y.encodeStateAsUpdate(d);
}

describe('AppliedSeqs', () => {
  test('follows the contiguous watermark past numbers applied ahead of a missing one', () => {
    const seqs = new AppliedSeqs(3);
    seqs.add(5);
    expect([seqs.watermark, seqs.gapped, seqs.has(4), seqs.has(5)]).toEqual([3, true, false, true]);
    seqs.add(4);
    expect([seqs.watermark, seqs.gapped, seqs.highest]).toEqual([5, false, 5]);
  });
});

describe('RoomRelayLink', () => {
  test('holds what arrives while the room loads, then applies only what the load lacked', async () => {
    const m = memoryRelay();
    const r = memoryRoom();
    const link = await RoomRelayLink.open(m.relay, 'op/doc');
    // Arrive while loading: seq 2 is in the loaded state already, seq 3 is not.
    m.deliver({ type: 'update', seq: 2, update: setKey('two') });
    m.deliver({ type: 'update', seq: 3, update: setKey('three') });
    link.attach(r.room, 2);
    expect(r.applied).toEqual([]);
    link.start();
    await r.idle();
    expect(r.applied).toEqual([['three']]);
    expect(r.doc.getMap('m').toJSON()).toEqual({ three: 'three' });
    expect(m.published).toEqual([{ type: 'awarenessQuery' }]);
    link.close();
  });

  test('a missing number is read from the log once the connection comes back, and nothing is applied twice', async () => {
    const m = memoryRelay();
    const r = memoryRoom();
    const link = await RoomRelayLink.open(m.relay, 'op/doc');
    link.attach(r.room, 0);
    link.start();
    for (const [seq, key] of [
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ] as const)
      m.log.push({ seq, update: setKey(key) });
    m.deliver({ type: 'update', seq: 1, update: m.log[0]!.update });
    // 2 and 3 were lost with the connection; the room's own append got 4.
    m.log.push({ seq: 4, update: setKey('own') });
    link.committed(4, m.log[3]!.update);
    m.deliver({ type: 'resync' });
    await r.idle();
    // A late copy of 3 changes nothing.
    m.deliver({ type: 'update', seq: 3, update: m.log[2]!.update });
    await r.idle();
    expect(r.applied).toEqual([['a'], ['b', 'c']]);
    expect(Object.keys(r.doc.getMap('m').toJSON()).sort()).toEqual(['a', 'b', 'c']);
    expect(m.reads).toBe(1);
    expect(m.published.at(-1)).toEqual({ type: 'head', seq: 4 });
    link.close();
  });
});
