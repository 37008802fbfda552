import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { afterEach, describe, expect, test, vi } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { RoomPresence, type PresenceMember } from './room-presence.ts';

/** A member whose messages are applied, in order, to a stock y-protocols Awareness (what a client does). */
interface Peer extends PresenceMember {
  view: awarenessProtocol.Awareness;
  /** Every change the client's awareness reported, in order (`added`/`updated`/`removed` per id). */
  events: string[];
  messages: number;
}

function peer(id: string): Peer {
  const view = new awarenessProtocol.Awareness(new Y.Doc());
  view.setLocalState(null);
  const p: Peer = {
    user: { id, name: id, role: 'dispatcher', stationId: 'deqing-yuyue' },
    clients: new Set(),
    maxClients: 4,
    view,
    events: [],
    messages: 0,
    send: (data) => {
      const d = decoding.createDecoder(data);
      expect(decoding.readVarUint(d)).toBe(1);
      const update = decoding.readVarUint8Array(d);
      p.messages++;
      awarenessProtocol.applyAwarenessUpdate(view, update, 'server');
    },
  };
  view.on('change', (c: { added: number[]; updated: number[]; removed: number[] }) => {
    for (const k of ['added', 'updated', 'removed'] as const) for (const id of c[k]) p.events.push(`${k}:${id}`);
  });
  return p;
}

function update(entries: Array<[number, number, object | null]>): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const [clientId, clock, state] of entries) {
    encoding.writeVarUint(e, clientId);
    encoding.writeVarUint(e, clock);
    encoding.writeVarString(e, JSON.stringify(state));
  }
  return encoding.toUint8Array(e);
}

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
  vi.useRealTimers();
});

/** Run a script of presence steps against a room presence with the given tick; returns its peers. */
function play(tickMs: number, script: (presence: RoomPresence<Peer>, peers: Peer[]) => void): Peer[] {
  const peers = ['a', 'b', 'c', 'd'].map(peer);
  const presence = new RoomPresence<Peer>(new Y.Doc(), () => peers, 60_000, tickMs);
  cleanup.push(() => presence.destroy());
  script(presence, peers);
  vi.advanceTimersByTime(tickMs + 1);
  return peers;
}

/** What a client ends up seeing: every state, as whole objects, without its own. */
const seen = (p: Peer) => Object.fromEntries([...p.view.getStates()].filter(([id]) => id !== p.view.clientID));

describe('coalesced presence', () => {
  test('changes of one tick reach each client as one message, with the same states as one by one', () => {
    vi.useFakeTimers();
    const script = (presence: RoomPresence<Peer>, [a, b, c]: Peer[]) => {
      presence.receive(a!, update([[1, 1, { cursor: 1 }]]));
      presence.receive(b!, update([[2, 1, { cursor: 2 }]]));
      presence.receive(a!, update([[1, 2, { cursor: 11 }]]));
      presence.receive(c!, update([[3, 1, { cursor: 3 }]]));
    };
    const atOnce = play(0, script);
    const coalesced = play(15, script);
    for (let i = 0; i < 4; i++) expect(seen(coalesced[i]!)).toEqual(seen(atOnce[i]!));
    expect(seen(coalesced[3]!)).toEqual({
      1: { cursor: 11, user: coalesced[0]!.user },
      2: { cursor: 2, user: coalesced[1]!.user },
      3: { cursor: 3, user: coalesced[2]!.user },
    });
    // One message per tick instead of one per change; a sender is not sent its own state.
    expect(atOnce[3]!.messages).toBe(4);
    expect(coalesced[3]!.messages).toBe(1);
    expect(seen(coalesced[0]!)[1]).toBeUndefined();
  });

  test('a removal is never merged away or overtaken by a re-join of the same client id in the tick', () => {
    vi.useFakeTimers();
    const script = (presence: RoomPresence<Peer>, [a]: Peer[]) => {
      presence.receive(a!, update([[1, 1, { v: 1 }]]));
      vi.advanceTimersByTime(20);
      presence.receive(a!, update([[1, 2, null]]));
      presence.receive(a!, update([[1, 3, { v: 3 }]]));
      presence.leave(a!);
      presence.receive(a!, update([[1, 4, { v: 4 }]]));
    };
    const atOnce = play(0, script);
    const coalesced = play(15, script);
    for (let i = 1; i < 4; i++) {
      expect(coalesced[i]!.events).toEqual(atOnce[i]!.events);
      expect(seen(coalesced[i]!)).toEqual(seen(atOnce[i]!));
    }
    // (A stock client reports a re-join as an update: it keeps the clock of a removed id.)
    expect(coalesced[1]!.events).toEqual(['added:1', 'removed:1', 'updated:1', 'removed:1', 'updated:1']);
  });

  test('a state that times out is removed at every client, as without coalescing', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    const script = (presence: RoomPresence<Peer>, [a, b]: Peer[]) => {
      presence.receive(a!, update([[1, 1, { v: 1 }]]));
      presence.receive(b!, update([[2, 1, { v: 2 }]]));
      vi.advanceTimersByTime(20);
      // Client 1 went silent: older than y-protocols' 30 s, removed by its periodic check.
      presence.awareness.meta.get(1)!.lastUpdated -= awarenessProtocol.outdatedTimeout + 1000;
      vi.advanceTimersByTime(awarenessProtocol.outdatedTimeout / 10);
    };
    const atOnce = play(0, script);
    const coalesced = play(15, script);
    for (let i = 0; i < 4; i++) {
      expect(coalesced[i]!.events).toEqual(atOnce[i]!.events);
      expect(seen(coalesced[i]!)).toEqual(seen(atOnce[i]!));
    }
    expect(Object.keys(seen(coalesced[3]!))).toEqual(['2']);
    expect(coalesced[3]!.events).toEqual(['added:1', 'added:2', 'removed:1']);
  });

  test('random joins, updates, removals and departures end in the same states at every client', () => {
    vi.useFakeTimers();
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const steps: Array<{ who: number; id: number; kind: 'set' | 'clear' | 'leave' | 'wait' }> = [];
    for (let i = 0; i < 400; i++) {
      const r = random();
      const who = Math.floor(random() * 4);
      steps.push({
        who,
        id: who * 10 + Math.floor(random() * 2),
        kind: r < 0.6 ? 'set' : r < 0.8 ? 'clear' : r < 0.9 ? 'leave' : 'wait',
      });
    }
    const script = (presence: RoomPresence<Peer>, peers: Peer[]) => {
      const clocks = new Map<number, number>();
      for (const [n, s] of steps.entries()) {
        const m = peers[s.who]!;
        const clock = (clocks.get(s.id) ?? 0) + 1;
        if (s.kind === 'wait') vi.advanceTimersByTime(7);
        else if (s.kind === 'leave') presence.leave(m);
        else {
          clocks.set(s.id, clock);
          presence.receive(m, update([[s.id, clock, s.kind === 'set' ? { n } : null]]));
        }
      }
    };
    const atOnce = play(0, script);
    const coalesced = play(15, script);
    for (let i = 0; i < 4; i++) expect(seen(coalesced[i]!)).toEqual(seen(atOnce[i]!));
    // Every removal a client saw one by one it also sees coalesced (never merged away).
    for (let i = 0; i < 4; i++) {
      const removals = (p: Peer) => p.events.filter((e) => e.startsWith('removed')).length;
      expect(removals(coalesced[i]!)).toBeGreaterThan(0);
      expect(coalesced[i]!.messages).toBeLessThan(atOnce[i]!.messages);
    }
  });

  test('the keepalive goes only to members that were sent nothing since the previous one', () => {
    vi.useFakeTimers();
    const busy = peer('busy');
    const quiet = peer('quiet');
    const members = [busy, quiet];
    const presence = new RoomPresence<Peer>(new Y.Doc(), () => members, 1000, 0);
    cleanup.push(() => presence.destroy());
    const keepalives = new Map<Peer, number>([
      [busy, 0],
      [quiet, 0],
    ]);
    for (const m of members) {
      const send = m.send;
      m.send = (data) => {
        if (data.length === 3 && data[2] === 0) keepalives.set(m, keepalives.get(m)! + 1);
        m.sentSinceKeepalive = true; // what a room connection's send does
        send(data);
      };
    }
    // `quiet` changes its own state (never sent back to it); `busy` is sent each change.
    for (let i = 1; i <= 20; i++) {
      presence.receive(quiet, update([[5, i, { i }]]));
      vi.advanceTimersByTime(250);
    }
    expect(keepalives.get(busy)).toBe(0);
    expect(keepalives.get(quiet)).toBeGreaterThanOrEqual(9);
  });
});
