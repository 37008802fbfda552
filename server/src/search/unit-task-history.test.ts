import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Unit } from '@jointmap/shared';
import type { Room } from '../rooms/room.ts';
import { UnitTaskHistory } from './unit-task-history.ts';

const STATION = 'deqing-yuyue';
const NAME = `op-1/${STATION}`;
const T = 1_760_000_000_000;

const unit = (id: string, assignedTaskId: string | null): Unit => ({
  ...{ id, callsign: id, kind: 'car', stationId: STATION, members: [], deviceIds: [] },
  ...{ status: assignedTaskId ? 'en_route' : 'available', assignedTaskId, updatedAt: T - 60_000 },
});

/** Rooms whose `get` answers only when `open()` is called, counting the calls. */
function slowRooms(doc: Y.Doc) {
  const waiting: (() => void)[] = [];
  const rooms = {
    gets: 0,
    get(name: string): Promise<Room> {
      expect(name).toBe(NAME);
      rooms.gets++;
      return new Promise((resolve) => waiting.push(() => resolve({ doc } as Room)));
    },
    open() {
      for (const answer of waiting.splice(0)) answer();
    },
  };
  return rooms;
}

describe('UnitTaskHistory.read', () => {
  it('joins a read of the same roster that is still waiting for its room: one read for a burst of commits', async () => {
    const doc = new Y.Doc();
    const units = doc.getMap<Unit>('units');
    const rooms = slowRooms(doc);
    const history = new UnitTaskHistory();
    units.set('u1', unit('u1', 'task-a'));
    const reads = [history.read(rooms, NAME, STATION, T)];
    // Committed while the first read waits for its room: it will see these too.
    units.set('u1', unit('u1', 'task-b'));
    reads.push(history.read(rooms, NAME, STATION, T + 5));
    units.set('u2', unit('u2', 'task-b'));
    reads.push(history.read(rooms, NAME, STATION, T + 9));
    expect(rooms.gets).toBe(1);
    rooms.open();
    await Promise.all(reads);
    // The roster as the one read found it, from the first commit's time (u1's record is older).
    const u1 = { stationId: STATION, unitId: 'u1' };
    expect(history.onTask(u1, 'task-b', T - 60_000)).toBe(true);
    expect(history.onTask(u1, 'task-a', T - 60_000)).toBe(false);
    expect(history.onTask({ stationId: STATION, unitId: 'u2' }, 'task-b', T)).toBe(true);
  });

  it('reads again for a commit after the waiting read looked, timed by that commit', async () => {
    const doc = new Y.Doc();
    const units = doc.getMap<Unit>('units');
    const rooms = slowRooms(doc);
    const history = new UnitTaskHistory();
    units.set('u1', unit('u1', 'task-a'));
    const first = history.read(rooms, NAME, STATION, T);
    rooms.open();
    await first;
    units.set('u1', unit('u1', 'task-b'));
    const second = history.read(rooms, NAME, STATION, T + 1_000);
    expect(rooms.gets).toBe(2);
    rooms.open();
    await second;
    const u1 = { stationId: STATION, unitId: 'u1' };
    expect(history.onTask(u1, 'task-a', T + 999)).toBe(true);
    expect(history.onTask(u1, 'task-b', T + 999)).toBe(false);
    expect(history.onTask(u1, 'task-b', T + 1_000)).toBe(true);
  });

  it('passes a room that could not be opened to every read that joined it, and reads afresh after', async () => {
    const doc = new Y.Doc();
    doc.getMap<Unit>('units').set('u1', unit('u1', 'task-a'));
    const history = new UnitTaskHistory();
    const loads: ((err: Error) => void)[] = [];
    const failing = { get: () => new Promise<Room>((_, reject) => loads.push(reject)) };
    const reads = [history.read(failing, NAME, STATION, T), history.read(failing, NAME, STATION, T + 1)];
    expect(loads).toHaveLength(1);
    for (const fail of loads) fail(new Error('load failed'));
    for (const read of reads) await expect(read).rejects.toThrow('load failed');
    const rooms = slowRooms(doc);
    const again = history.read(rooms, NAME, STATION, T + 2);
    expect(rooms.gets).toBe(1);
    rooms.open();
    await again;
    expect(history.onTask({ stationId: STATION, unitId: 'u1' }, 'task-b', T + 2)).toBe(false);
  });
});
