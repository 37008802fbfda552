import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { afterEach, describe, expect, test, type TestContext } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import type { LimitName } from './inbound-queue.ts';
import { AWARENESS_STATE_COST_BYTES, PresenceAllowance } from './presence-allowance.ts';
import { PRESENCE_BACKLOG_BYTES } from './room-connection.ts';
import { PresenceRefusal } from './room-presence.ts';
import {
  awarenessUpdate as update,
  destroyPresences,
  member,
  presenceOf,
  type AwarenessEntry,
} from './presence.test-support.ts';
import { Room, type RoomSession, type RoomSocket } from './room.ts';
import { decodeMessage, encodeUpdate } from './sync-messages.ts';

/** A viewer with no station, its presence allowance the one a test is about. */
const viewerMember = (id: string, allowance: PresenceAllowance) =>
  member(id, { allowance, user: { role: 'viewer', stationId: null } });

/** The same as a sync message (type 1: awareness). */
function awarenessMessage(entries: AwarenessEntry[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint8Array(e, update(entries));
  return encoding.toUint8Array(e);
}

const bytesOf = (messages: Uint8Array[]) => messages.reduce((n, m) => n + m.byteLength, 0);
/** A state whose JSON is about `bytes` long. */
const bulky = (bytes: number) => ({ pointer: [120.3, 30.5], pad: 'x'.repeat(bytes) });

afterEach(destroyPresences);

describe('presence limits of one member', () => {
  test('a state over the size limit is ignored: not applied, not relayed, not given to a joiner', () => {
    const sender = viewerMember('u-sender', new PresenceAllowance(16 * 1024, 16 * 1024));
    const others = Array.from({ length: 20 }, (_, i) =>
      viewerMember(`u-${i}`, new PresenceAllowance(16 * 1024, 16 * 1024)),
    );
    const presence = presenceOf([sender, ...others]);
    // The reviewer's probe, smaller: three large states from one member of a room of 21.
    for (let clock = 1; clock <= 3; clock++)
      expect(presence.receive(sender, update([[7, clock, bulky(200_000)]]))).toBe(PresenceRefusal.size);
    expect(presence.awareness.getStates().has(7)).toBe(false);
    expect(bytesOf(others.flatMap((m) => m.received))).toBe(0);
    expect(presence.allStatesMessage()).toBeNull();
    // An ordinary state of the same member still goes through.
    expect(presence.receive(sender, update([[7, 4, { pointer: [120.3, 30.5] }]]))).toBe(0);
    expect(presence.awareness.getStates().get(7)).toMatchObject({ pointer: [120.3, 30.5] });
    expect(others.every((m) => m.received.length === 1 && m.received[0]!.byteLength < 300)).toBe(true);
  });

  test('presence over the rate is ignored until the bucket refills; cursor moves at ten a second all pass; removals are free', () => {
    let now = 0;
    const sender = viewerMember('u-sender', new PresenceAllowance(16 * 1024, 16 * 1024, () => now));
    const watcher = viewerMember('u-watcher', new PresenceAllowance(16 * 1024, 16 * 1024));
    const presence = presenceOf([sender, watcher]);
    // What our client sends: a pointer, at most every 100 ms (EditLayer), for a minute.
    let clock = 0;
    for (let i = 0; i < 600; i++, now += 100)
      expect(presence.receive(sender, update([[7, ++clock, { pointer: [120 + i / 1e4, 30.5] }]]))).toBe(0);
    expect(watcher.received.length).toBe(600);

    // A flood in one instant: two seconds' worth of 4-KiB states pass, then nothing.
    now += 10_000;
    watcher.received.length = 0;
    const state = bulky(4000);
    const allowed = Math.floor((2 * 16 * 1024) / (JSON.stringify(state).length + AWARENESS_STATE_COST_BYTES));
    let refused = 0;
    for (let i = 0; i < 100; i++)
      if (presence.receive(sender, update([[7, ++clock, state]])) === PresenceRefusal.rate) refused++;
    expect(allowed).toBe(7);
    expect(refused).toBe(100 - allowed);
    expect(watcher.received.length).toBe(allowed);
    // Leaving is never refused, however spent the bucket.
    expect(presence.receive(sender, update([[7, ++clock, null]]))).toBe(0);
    expect(presence.awareness.getStates().has(7)).toBe(false);
    // A second later, a second's worth passes again.
    now += 1000;
    expect(presence.receive(sender, update([[7, ++clock, { pointer: [1, 1] }]]))).toBe(0);
    expect(presence.awareness.getStates().get(7)).toMatchObject({ pointer: [1, 1] });
  });
});

const viewer: RoomSession = {
  sessionId: 's-wall',
  access: 'read',
  user: { id: 'u-wall', name: '大屏', role: 'viewer', stationId: null },
};
const writer: RoomSession = {
  sessionId: 's-deqing',
  access: 'write',
  user: { id: 'u-deqing', name: '德清值班', role: 'dispatcher', stationId: 'deqing-yuyue' },
};

async function roomOf(t: TestContext): Promise<Room> {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-presence-limits-'));
  const store = new SqliteStorage(dir);
  const room = await Room.load('op/deqing-yuyue', 'station', store, { snapshotEvery: 1_000 });
  t.onTestFinished(async () => {
    await room.destroy();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return room;
}

/** A socket whose sent messages are kept; `buffered` stands for what waits to go out. */
function socket(): RoomSocket & { sent: Uint8Array[]; buffered: number } {
  return {
    sent: [],
    buffered: 0,
    isOpen: true,
    close: () => undefined,
    send(d) {
      this.sent.push(d);
    },
    get bufferedBytes() {
      return this.buffered;
    },
  };
}

const presenceIn = (sent: Uint8Array[]) => sent.filter((m) => decodeMessage(m).type === 'awareness');
const codesIn = (sent: Uint8Array[]) =>
  sent.flatMap((m) => {
    const d = decoding.createDecoder(m);
    if (decoding.readVarUint(d) !== 2 || decoding.readVarUint(d) !== 0) return [];
    return [(JSON.parse(decoding.readVarString(d)) as { code: string }).code];
  });

describe('presence limits in a room', () => {
  test("a viewer's oversized presence reaches nobody; it is told once, and each refusal is counted", async (t) => {
    const room = await roomOf(t);
    const limited: LimitName[] = [];
    const from = socket();
    const sender = room.connect(from, viewer, { onLimited: (limit) => limited.push(limit) });
    const watchers = Array.from({ length: 20 }, () => socket());
    for (const w of watchers) room.connect(w, writer);
    await room.idle();
    for (const w of watchers) w.sent.length = 0;
    for (let clock = 1; clock <= 3; clock++) sender.receive(awarenessMessage([[7, clock, bulky(1_000_000)]]));
    await room.idle();
    expect(bytesOf(watchers.flatMap((w) => w.sent))).toBe(0);
    expect(codesIn(from.sent)).toEqual(['PAYLOAD_TOO_LARGE']);
    expect(limited).toEqual(['awareness_size', 'awareness_size', 'awareness_size']);
    // A joiner is given no such state either.
    const joiner = socket();
    room.connect(joiner, writer);
    await room.idle();
    expect(presenceIn(joiner.sent)).toEqual([]);
  });

  test('presence skips a socket with a backlog; document updates still go to it', async (t) => {
    const room = await roomOf(t);
    const slow = socket();
    const limited: LimitName[] = [];
    room.connect(slow, viewer, { onLimited: (limit) => limited.push(limit) });
    const from = room.connect(socket(), writer);
    await room.idle();
    slow.sent.length = 0;
    slow.buffered = PRESENCE_BACKLOG_BYTES + 1;
    from.receive(awarenessMessage([[7, 1, { pointer: [120.3, 30.5] }]]));
    const edit = new Y.Doc();
    Y.applyUpdate(edit, Y.encodeStateAsUpdate(room.doc));
    const before = Y.encodeStateVector(edit);
    edit.getMap('annotations').set('a', {
      id: 'a',
      kind: 'point',
      geometry: { type: 'Point', coordinates: [120.2954, 30.5222] },
      label: '标注',
      color: '#2563eb',
      author: 'u-deqing',
      createdAt: 1_700_000_000_000,
      updatedAt: 1_700_000_000_000,
    });
    from.receive(encodeUpdate(Y.encodeStateAsUpdate(edit, before)));
    await room.idle();
    expect(slow.sent.map((m) => decodeMessage(m).type)).toEqual(['update']);
    expect(limited).toEqual(['presence_backlog']);
    // Drained: the next change reaches it, whole.
    slow.buffered = 0;
    from.receive(awarenessMessage([[7, 2, { pointer: [120.4, 30.6] }]]));
    const seen = new awarenessProtocol.Awareness(new Y.Doc());
    for (const m of presenceIn(slow.sent)) {
      const d = decoding.createDecoder(m);
      decoding.readVarUint(d);
      awarenessProtocol.applyAwarenessUpdate(seen, decoding.readVarUint8Array(d), null);
    }
    expect(seen.getStates().get(7)).toMatchObject({ pointer: [120.4, 30.6], user: { id: 'u-deqing' } });
    seen.destroy();
  });
});

describe('a presence allowance when the clock steps back', () => {
  test('keeps what the bucket held, so no connection loses its presence for as long as the step', () => {
    let now = 1_000_000;
    const allowance = new PresenceAllowance(16 * 1024, 16 * 1024, () => now);
    expect(allowance.take(40)).toBe(true);
    now -= 3_600_000; // the machine's clock set back an hour (NTP, or by hand)
    expect(allowance.take(40)).toBe(true);
    now += 1_000;
    expect(allowance.take(40)).toBe(true);
  });
});
