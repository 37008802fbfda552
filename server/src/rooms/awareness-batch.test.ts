import * as decoding from 'lib0/decoding';
import { afterEach, describe, expect, test, vi } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { PresenceMember, RoomPresence } from './room-presence.ts';
import { awarenessUpdate as update, destroyPresences, presenceMember, presenceOf } from './presence.test-support.ts';

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
    ...presenceMember(id, (data) => {
      const d = decoding.createDecoder(data);
      expect(decoding.readVarUint(d)).toBe(1);
      const update = decoding.readVarUint8Array(d);
      p.messages++;
      awarenessProtocol.applyAwarenessUpdate(view, update, 'server');
    }),
    view,
    events: [],
    messages: 0,
  };
  view.on('change', (c: { added: number[]; updated: number[]; removed: number[] }) => {
    for (const k of ['added', 'updated', 'removed'] as const) for (const id of c[k]) p.events.push(`${k}:${id}`);
  });
  return p;
}

afterEach(() => {
  destroyPresences();
  vi.useRealTimers();
});

/** Run a script of presence steps against a room presence with the given tick; returns its peers. */
function play(tickMs: number, script: (presence: RoomPresence<Peer>, peers: Peer[]) => void, renewalMs = 0): Peer[] {
  const peers = ['a', 'b', 'c', 'd'].map(peer);
  const presence = presenceOf(peers, tickMs, renewalMs);
  script(presence, peers);
  vi.advanceTimersByTime(Math.max(tickMs, renewalMs) + 1);
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

  test('renewals (the same state with a new clock, every 15 s) reach each client at most the window late, so never 30 s apart', () => {
    vi.useFakeTimers();
    // When each client id's state last reached the watching client (fake clock), and the longest gap.
    const seenAt = new Map<number, number>();
    const longestGap = new Map<number, number>();
    // Three clients set a state, then renew it every 15 s at staggered moments, as stock clients do.
    const script = (presence: RoomPresence<Peer>, [a, b, c, d]: Peer[]) => {
      d!.view.on('update', ({ added, updated }: { added: number[]; updated: number[] }) => {
        for (const id of added) seenAt.set(id, Date.now());
        for (const id of updated) {
          longestGap.set(id, Math.max(longestGap.get(id) ?? 0, Date.now() - seenAt.get(id)!));
          seenAt.set(id, Date.now());
        }
      });
      const members = [a!, b!, c!];
      const clocks = [1, 1, 1];
      members.forEach((m, i) => presence.receive(m, update([[i + 1, 1, { v: i + 1 }]])));
      for (let t = 1; t <= 120; t++) {
        vi.advanceTimersByTime(1000);
        members.forEach((m, i) => {
          if ((t + i * 5) % 15 !== 0) return;
          clocks[i]!++;
          presence.receive(m, update([[i + 1, clocks[i]!, { v: i + 1 }]]));
        });
      }
    };
    const atOnce = play(15, script, 0);
    expect(Math.max(...longestGap.values())).toBeLessThanOrEqual(15_100);
    longestGap.clear();
    const held = play(15, script, 10_000);
    // The same states and events at the watching client (each added once, never removed)…
    expect(seen(held[3]!)).toEqual(seen(atOnce[3]!));
    expect(held[3]!.events).toEqual(['added:1', 'added:2', 'added:3']);
    expect(held[3]!.view.meta.get(1)!.clock).toBe(atOnce[3]!.view.meta.get(1)!.clock);
    // …and every renewal reached it less than the 10-s window late: no two more than 25.25 s apart,
    // inside the 30 s after which stock clients time a state out.
    expect(longestGap.size).toBe(3);
    for (const gap of longestGap.values()) expect(gap).toBeLessThanOrEqual(25_250);
    expect(Math.max(...longestGap.values())).toBeLessThan(awarenessProtocol.outdatedTimeout);
  });

  test('a renewal 18 s after a change (a late stock client), held for the longest delay of the largest window, still arrives before the 30-s timeout', () => {
    vi.useFakeTimers();
    let heldFor = -1;
    const [, , , watcher] = play(
      15,
      (presence, [a, , , d]) => {
        // Client id 3 has the longest delay of a 10-s window (9.987 s).
        presence.receive(a!, update([[3, 1, { v: 1 }]]));
        vi.advanceTimersByTime(15);
        const changeAt = Date.now();
        expect(d!.view.meta.get(3)!.clock).toBe(1);
        vi.advanceTimersByTime(18_000 - 15);
        const renewedAt = Date.now();
        presence.receive(a!, update([[3, 2, { v: 1 }]]));
        while (d!.view.meta.get(3)!.clock < 2 && Date.now() - renewedAt < 20_000) vi.advanceTimersByTime(1);
        heldFor = Date.now() - renewedAt;
        expect(Date.now() - changeAt).toBeLessThan(awarenessProtocol.outdatedTimeout);
      },
      10_000,
    );
    expect(heldFor).toBeGreaterThan(8_000);
    expect(heldFor).toBeLessThan(10_000);
    expect(watcher!.view.getStates().has(3)).toBe(true);
  });

  test('renewals of clients that renew in the same instant go out spread over the window, at most one merged message a step', () => {
    vi.useFakeTimers();
    const arrivals: number[] = [];
    const roundStarts: number[] = [];
    // Twelve client ids (four per member) set a state together, then all renew together every 15 s.
    const script = (presence: RoomPresence<Peer>, [a, b, c, d]: Peer[]) => {
      const send = d!.send;
      d!.send = (data) => {
        if (!(data.length === 3 && data[2] === 0)) arrivals.push(Date.now()); // not the keepalive
        send(data);
      };
      const members = [a!, b!, c!];
      const ids = (k: number) => [1, 2, 3, 4].map((j) => k * 4 + j);
      members.forEach((m, k) => presence.receive(m, update(ids(k).map((id) => [id, 1, { id }]))));
      vi.advanceTimersByTime(20);
      arrivals.length = 0;
      roundStarts.length = 0;
      for (let round = 2; round <= 5; round++) {
        roundStarts.push(Date.now());
        members.forEach((m, k) => presence.receive(m, update(ids(k).map((id) => [id, round, { id }]))));
        vi.advanceTimersByTime(15_000);
      }
    };
    const atOnce = play(15, script, 0);
    const renewalsAtOnce = [...arrivals];
    arrivals.length = 0;
    const spread = play(15, script, 3000);
    expect(seen(spread[3]!)).toEqual(seen(atOnce[3]!));
    expect(Object.keys(seen(spread[3]!))).toHaveLength(12);
    // At once: each round's renewals reach the client in the same instant, three messages (one per member).
    // Without the renewal window: each round's twelve renewals reach the client in one instant.
    expect(renewalsAtOnce).toHaveLength(4);
    // Spread: within the 3-s window, on the room's 1-s steps, so at most three messages a round.
    expect(arrivals.length).toBeGreaterThan(4);
    for (const start of roundStarts) {
      const times = arrivals.filter((t) => t >= start && t < start + 15_000);
      expect(times.length).toBeGreaterThan(1);
      expect(times.length).toBeLessThanOrEqual(3);
      expect(new Set(times).size).toBe(times.length);
      for (const t of times) expect((t - arrivals[0]!) % 1000).toBe(0);
      expect(Math.max(...times) - start).toBeLessThan(3000);
    }
  });

  test('renewals arriving one after another (clients that joined at different times) reach each client at most once a step', () => {
    vi.useFakeTimers();
    let renewals = 0;
    const arrivals: number[] = [];
    const [, , , watcher] = play(
      15,
      (presence, [a, b, c, d]) => {
        // 90 client ids over three members, each renewing every 15 s, one renewal every 167 ms in
        // all: a settled room of 90 clients.
        const members = [a!, b!, c!];
        for (const m of members) m.maxClients = 30;
        const ids = Array.from({ length: 90 }, (_, i) => i + 1);
        const owner = (id: number) => members[id % 3]!;
        for (const id of ids) presence.receive(owner(id), update([[id, 1, { id }]]));
        vi.advanceTimersByTime(20);
        const send = d!.send;
        d!.send = (data) => {
          if (!(data.length === 3 && data[2] === 0)) arrivals.push(Date.now()); // not the keepalive
          send(data);
        };
        for (let k = 0; k < 360; k++) {
          presence.receive(owner(ids[k % 90]!), update([[ids[k % 90]!, 2 + Math.floor(k / 90), { id: ids[k % 90] }]]));
          renewals++;
          vi.advanceTimersByTime(15_000 / 90);
        }
        vi.advanceTimersByTime(4000);
      },
      3000,
    );
    // Every renewal reached the watching client (each id at its last clock)…
    expect(renewals).toBe(360);
    for (let id = 1; id <= 90; id++) expect(watcher!.view.meta.get(id)!.clock).toBe(5);
    // …in merged messages, one per whole second at most (one per renewal would be 360).
    expect(arrivals.length).toBeLessThanOrEqual(64);
    for (const t of arrivals) expect((t - arrivals[0]!) % 1000).toBe(0);
    expect(new Set(arrivals).size).toBe(arrivals.length);
  });

  test('a waiting renewal wakes the room once, when it is due, not every step before', () => {
    vi.useFakeTimers();
    let wakeUps = -1;
    play(
      15,
      (presence, [a, , , d]) => {
        presence.receive(a!, update([[7, 1, { v: 1 }]]));
        vi.advanceTimersByTime(20);
        const sentAt = Date.now();
        // The same state with a new clock: a renewal, held for its delay within the 3-s window (1.14 s
        // for this id) at most, on the first step from 0.14 s: before the awareness' own check at 3 s.
        presence.receive(a!, update([[7, 2, { v: 1 }]]));
        for (wakeUps = 0; d!.view.meta.get(7)!.clock < 2 && wakeUps < 100; wakeUps++) vi.advanceTimersToNextTimer();
        expect(Date.now() - sentAt).toBeGreaterThanOrEqual(144);
        expect(Date.now() - sentAt).toBeLessThanOrEqual(1_143);
      },
      3_000,
    );
    // A step timer would have fired every 250 ms until the renewal was due.
    expect(wakeUps).toBe(1);
  });

  test('a change or removal of a client whose renewal waits goes out at the tick; the older renewal is dropped', () => {
    vi.useFakeTimers();
    const peers = ['a', 'b', 'c', 'd'].map(peer);
    const [a, , , d] = peers;
    const presence = presenceOf(peers, 15, 3000);
    presence.receive(a!, update([[1, 1, { v: 1 }]]));
    vi.advanceTimersByTime(20);
    expect(d!.messages).toBe(1);
    // A renewal waits; a change right after it goes out with the tick, alone.
    presence.receive(a!, update([[1, 2, { v: 1 }]]));
    vi.advanceTimersByTime(20);
    expect(d!.messages).toBe(1);
    presence.receive(a!, update([[1, 3, { v: 2 }]]));
    vi.advanceTimersByTime(20);
    expect(d!.messages).toBe(2);
    expect(seen(d!)[1]).toEqual({ v: 2, user: a!.user });
    expect(d!.view.meta.get(1)!.clock).toBe(3);
    vi.advanceTimersByTime(5000);
    expect(d!.messages).toBe(2);
    // The same for a removal: the waiting renewal never follows it (it would bring the state back).
    presence.receive(a!, update([[1, 4, { v: 2 }]]));
    presence.receive(a!, update([[1, 5, null]]));
    vi.advanceTimersByTime(5000);
    expect(d!.messages).toBe(3);
    expect(seen(d!)[1]).toBeUndefined();
    expect(d!.events).toEqual(['added:1', 'updated:1', 'removed:1']);
  });
});
