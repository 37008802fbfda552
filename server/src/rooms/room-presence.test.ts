import { afterEach, describe, expect, test, vi } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import { PresenceRefusal } from './room-presence.ts';
import { awarenessUpdate as update, destroyPresences, member, presenceOf } from './presence.test-support.ts';

afterEach(() => {
  destroyPresences();
  vi.useRealTimers();
});

describe('room presence', () => {
  test('an id that times out is kept for its user until forgotten; then another connection can use it', () => {
    // Only the intervals are faked: y-protocols reads the real clock, so the state is aged below.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const quiet = member('u-quiet');
    const other = member('u-other');
    const presence = presenceOf([quiet, other]);
    presence.receive(quiet, update([[7, 1, { pointer: [120.3, 30.5] }]]));
    expect(presence.ownedCount).toBe(1);
    expect([...quiet.clients]).toEqual([7]);

    // Not renewed for 30 s: y-protocols' own check (every 3 s) removes it with origin 'timeout'.
    presence.awareness.meta.get(7)!.lastUpdated -= awarenessProtocol.outdatedTimeout + 1000;
    vi.advanceTimersByTime(awarenessProtocol.outdatedTimeout / 10);
    expect(presence.awareness.getStates().has(7)).toBe(false);
    expect(presence.ownedCount).toBe(0);
    expect(quiet.clients.size).toBe(0);

    // Until its removal is forgotten, only its last user may set it again.
    presence.receive(other, update([[7, 2, { pointer: [120.1, 30.4] }]]));
    expect(presence.awareness.getStates().has(7)).toBe(false);
    expect(other.clients.size).toBe(0);

    presence.awareness.meta.get(7)!.lastUpdated -= 2 * awarenessProtocol.outdatedTimeout + 1000;
    vi.advanceTimersByTime(awarenessProtocol.outdatedTimeout / 2);
    presence.receive(other, update([[7, 2, { pointer: [120.1, 30.4] }]]));
    expect(presence.awareness.getStates().get(7)).toMatchObject({ pointer: [120.1, 30.4], user: { id: 'u-other' } });
    expect([...other.clients]).toEqual([7]);
  });

  test("another user cannot claim a colleague's id after the colleague's link dropped, whatever the clock; the colleague can", () => {
    const deqing = member('u-deqing');
    const linping = member('u-linping');
    const presence = presenceOf([deqing, linping]);
    presence.receive(deqing, update([[7, 3, { pointer: [120.3, 30.5] }]]));
    presence.leave(deqing);
    expect(presence.awareness.getStates().has(7)).toBe(false);

    presence.receive(linping, update([[7, 200, { pointer: [120.0, 30.0] }]]));
    expect(presence.awareness.getStates().has(7)).toBe(false);
    expect(linping.clients.size).toBe(0);

    // 禹越's page comes back on a new connection with the same id and its next clocks.
    const back = member('u-deqing');
    presence.receive(back, update([[7, 5, { pointer: [120.31, 30.51] }]]));
    expect(presence.awareness.getStates().get(7)).toMatchObject({ pointer: [120.31, 30.51], user: { id: 'u-deqing' } });
    expect([...back.clients]).toEqual([7]);
  });

  test('a connection holds at most maxClients ids; further ones are ignored until it clears one', () => {
    const flooder = member('u-flooder', { maxClients: 4 });
    const watcher = member('u-watcher');
    const presence = presenceOf([flooder, watcher]);
    const many = Array.from({ length: 10 }, (_, i) => [100 + i, 1, { n: i }] as [number, number, object]);
    expect(presence.receive(flooder, update(many))).toBe(PresenceRefusal.clients);
    expect([...presence.awareness.getStates().keys()].sort()).toEqual([100, 101, 102, 103]);
    expect(presence.receive(flooder, update([[200, 1, { n: 200 }]]))).toBe(PresenceRefusal.clients);
    // Its own ids can still be updated and cleared; a cleared one frees a place.
    expect(presence.receive(flooder, update([[101, 2, { n: 'again' }]]))).toBe(0);
    expect(presence.awareness.getStates().get(101)).toMatchObject({ n: 'again' });
    expect(presence.receive(flooder, update([[100, 2, null]]))).toBe(0);
    expect(presence.receive(flooder, update([[200, 2, { n: 200 }]]))).toBe(0);
    expect([...presence.awareness.getStates().keys()].sort()).toEqual([101, 102, 103, 200]);
    expect(presence.ownedCount).toBe(4);
    // Clearing an id it never held changes nothing and leaves no clock behind.
    expect(presence.receive(flooder, update([[999, 5, null]]))).toBe(0);
    expect(presence.awareness.meta.has(999)).toBe(false);
    presence.leave(flooder);
    expect(presence.awareness.getStates().size).toBe(0);
    expect(presence.ownedCount).toBe(0);
  });

  test('the clocks of ids removed long ago are forgotten, so ids coming and going do not pile up', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const churner = member('u-churner', { maxClients: 1 });
    const presence = presenceOf([churner]);
    for (let i = 0; i < 200; i++) {
      presence.receive(churner, update([[1000 + i, 1, { n: i }]]));
      presence.receive(churner, update([[1000 + i, 2, null]]));
    }
    expect(presence.awareness.meta.size).toBeGreaterThanOrEqual(200);
    // Recently removed ids keep their clock (a stale echo must not bring them back) …
    vi.advanceTimersByTime(15_000);
    expect(presence.awareness.meta.size).toBeGreaterThanOrEqual(200);
    // … and are forgotten once they are old.
    for (const meta of presence.awareness.meta.values())
      meta.lastUpdated -= 2 * awarenessProtocol.outdatedTimeout + 1000;
    vi.advanceTimersByTime(15_000);
    expect(presence.awareness.meta.size).toBe(1); // the server's own (empty) state
    expect(presence.ownedCount).toBe(0);
  });

  test('a reconnected client keeps its id: its new connection takes the state over, the old one leaving removes nothing', () => {
    // A tablet moved from Wi-Fi to LTE: the old connection is still open here (half-open).
    const before = member('u-deqing');
    const after = member('u-deqing');
    const stranger = member('u-linping');
    const watcher = member('u-watcher');
    const presence = presenceOf([before, after, stranger, watcher]);
    presence.receive(before, update([[7, 3, { pointer: [120.3, 30.5] }]]));
    // The stock client sends the same id from its new connection, with its next clock.
    presence.receive(after, update([[7, 4, { pointer: [120.31, 30.51] }]]));
    expect(presence.awareness.getStates().get(7)).toMatchObject({ pointer: [120.31, 30.51], user: { id: 'u-deqing' } });
    expect([...after.clients]).toEqual([7]);
    expect(before.clients.size).toBe(0);
    // Another user cannot take it, whatever the clock.
    presence.receive(stranger, update([[7, 9, { pointer: [0, 0] }]]));
    expect(presence.awareness.getStates().get(7)).toMatchObject({ pointer: [120.31, 30.51], user: { id: 'u-deqing' } });
    expect(stranger.clients.size).toBe(0);
    // The old connection is finally dropped: the state stays, held by the new one.
    presence.leave(before);
    expect(presence.awareness.getStates().has(7)).toBe(true);
    expect(presence.ownedCount).toBe(1);
    presence.leave(after);
    expect(presence.awareness.getStates().has(7)).toBe(false);
    expect(presence.ownedCount).toBe(0);
  });

  test('after its instance went away, the same user takes its id over from the relayed state; another user cannot', () => {
    const back = member('u-deqing');
    const stranger = member('u-linping');
    const presence = presenceOf([back, stranger]);
    // Stamped by the other instance, relayed here.
    presence.applyRelayed(
      update([[7, 5, { pointer: [1, 1], user: { id: 'u-deqing', name: 'd', role: 'dispatcher' } }]]),
    );
    presence.receive(stranger, update([[7, 6, { pointer: [0, 0] }]]));
    expect(presence.awareness.getStates().get(7)).toMatchObject({ pointer: [1, 1] });
    presence.receive(back, update([[7, 6, { pointer: [2, 2] }]]));
    expect(presence.awareness.getStates().get(7)).toMatchObject({ pointer: [2, 2], user: { id: 'u-deqing' } });
    expect([...back.clients]).toEqual([7]);
    // Now held here: leaving removes it.
    presence.leave(back);
    expect(presence.awareness.getStates().has(7)).toBe(false);
  });

  test('a state relayed from another instance takes the id over from a connection here', () => {
    const here = member('u-deqing');
    const presence = presenceOf([here]);
    presence.receive(here, update([[7, 1, { pointer: [1, 1] }]]));
    presence.applyRelayed(
      update([[7, 2, { pointer: [3, 3], user: { id: 'u-deqing', name: 'd', role: 'dispatcher' } }]]),
    );
    expect(here.clients.size).toBe(0);
    expect(presence.ownedCount).toBe(0);
    // The old connection here leaving does not remove the state the other instance holds.
    presence.leave(here);
    expect(presence.awareness.getStates().get(7)).toMatchObject({ pointer: [3, 3] });
  });
});
