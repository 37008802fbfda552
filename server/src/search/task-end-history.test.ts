import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { fixtures } from '@jointmap/shared/fixtures/records';
import type { RoomManager } from '../rooms/room-manager.ts';
import { earliest, TaskEndHistory } from './task-end-history.ts';

const task = fixtures.missingPersonTask({ updatedAt: 100 });
const ID = task.id;

describe('TaskEndHistory', () => {
  it('dates a close, a reopen and a second close to the reads that saw them', () => {
    const h = new TaskEndHistory();
    h.sync([task], [], 1_000);
    expect(h.ended(ID, 5_000)).toBe(false);
    h.sync([{ ...task, state: 'closed', updatedAt: 1_900 }], [], 2_000);
    h.sync([{ ...task, state: 'open', updatedAt: 2_900 }], [], 3_000);
    h.sync([{ ...task, state: 'cancelled', updatedAt: 3_900 }], [], 4_000);
    const at = (time: number) => h.ended(ID, time);
    expect([at(1_999), at(2_000), at(2_999), at(3_000), at(3_999), at(4_000), at(9_000)]).toEqual([
      false,
      true,
      true,
      false,
      false,
      true,
      true,
    ]);
    expect(h.signature(ID)).toBe(
      JSON.stringify([
        { from: 2_000, to: 3_000 },
        { from: 4_000, to: null },
      ]),
    );
  });

  it('dates a task first seen ended (a restart) to its newest record or answer, at most the read', () => {
    const resolved = fixtures.response({ status: 'resolved', updatedAt: 700 });
    const h = new TaskEndHistory();
    h.sync([task], [resolved], 1_000);
    expect([h.ended(ID, 699), h.ended(ID, 700)]).toEqual([false, true]);
    const later = new TaskEndHistory();
    later.sync([{ ...task, state: 'closed', updatedAt: 5_000 }], [], 1_000);
    expect([later.ended(ID, 999), later.ended(ID, 1_000)]).toEqual([false, true]);
  });

  it('the earliest of two times is null only when both are', () => {
    expect([earliest(null, null), earliest(5, null), earliest(null, 5), earliest(7, 5), earliest(5, 7)]).toEqual([
      null,
      5,
      5,
      5,
      5,
    ]);
  });

  it('keeps a change noted before a read that failed as of its commit, though a later one was noted while the read loaded', async () => {
    const h = new TaskEndHistory();
    h.sync([task], [], 1_000);
    h.changed(2_000);
    const doc = new Y.Doc();
    doc.getMap('tasks').set(ID, { ...task, state: 'closed', updatedAt: 2_000 });
    const failing = {
      get: async () => {
        // Another commit is noted while the documents load; then the load fails.
        h.changed(3_000);
        throw new Error('disk busy');
      },
    } as unknown as Pick<RoomManager, 'get'>;
    await expect(h.read(failing, ['op/command'], 2_500)).rejects.toThrow('disk busy');
    const rooms = { get: async () => ({ doc }) } as unknown as Pick<RoomManager, 'get'>;
    await h.read(rooms, ['op/command'], 9_000);
    expect(h.signature(ID)).toBe(JSON.stringify([{ from: 2_000, to: null }]));
  });

  it('counts a task as ended only when every record of it has, and never one it has no record of', () => {
    const h = new TaskEndHistory();
    h.sync(
      [
        { ...task, state: 'closed' },
        { ...task, stationId: 'command' },
      ],
      [],
      1_000,
    );
    expect(h.ended(ID, 2_000)).toBe(false);
    expect(h.ended('task-unknown', 2_000)).toBe(false);
  });
});
