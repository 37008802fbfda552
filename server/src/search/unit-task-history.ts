import { readMap, unitKey, type Unit, type UnitKey } from '@jointmap/shared';
import type { RoomManager } from '../rooms/room-manager.ts';

/** A unit's task from `from` (server time) on. */
interface Stint {
  taskId: string | null;
  from: number;
}

/**
 * Which task each unit of an operation was on, and since when, as the coverage service saw its
 * roster records (`Unit.assignedTaskId` in the station documents). A unit given a sector sweeps it
 * only while it is on the search's task: once reassigned or released, its drive elsewhere is not
 * sweep.
 *
 * Times are the server's, taken when a roster change is seen. Before the first record the service
 * read (at start, the record's own `updatedAt` stands for when it got its task) nothing is known,
 * and a unit with no roster record at all is never restricted: both count as on the task, as
 * every fix did before units were followed.
 */
export class UnitTaskHistory {
  private readonly stints = new Map<string, Stint[]>();
  /** Reads still waiting for their document's room, by document name (see `read`). */
  private readonly waiting = new Map<string, Promise<void>>();

  /** The roster of `stationId` as its document holds it now, read at server time `at`. */
  sync(stationId: string, units: Iterable<Unit>, at: number): void {
    for (const unit of units) {
      if (unit.stationId !== stationId) continue;
      const key = unitKey(stationId, unit.id);
      const list = this.stints.get(key);
      if (!list) {
        this.stints.set(key, [{ taskId: unit.assignedTaskId, from: Math.min(unit.updatedAt, at) }]);
        continue;
      }
      if (list.at(-1)!.taskId === unit.assignedTaskId) continue;
      // Every change is kept (a few a day per unit): a rebuild replays tracks from the search's start.
      list.push({ taskId: unit.assignedTaskId, from: Math.max(at, list.at(-1)!.from) });
    }
  }

  /**
   * Read the roster of station document `name` (station `stationId`) through the rooms, at server
   * time `at`. A read of the same document still waiting for its room is joined instead: it has
   * not looked at the document yet, so it sees this change too (timed by its own, earlier `at`).
   * Every commit that touches a roster asks for a read; a group commit of a burst of them (up to
   * 256) then costs one copy of the roster instead of one each, which under such a burst was most
   * of what the server allocated (20,000 roster writes: 1.9 GiB, 1.35 of it these copies).
   */
  read(rooms: Pick<RoomManager, 'get'>, name: string, stationId: string, at: number): Promise<void> {
    const waiting = this.waiting.get(name);
    if (waiting) return waiting;
    const reading = rooms.get(name).then(
      (room) => {
        this.waiting.delete(name);
        this.sync(stationId, readMap<Unit>(room.doc, 'units').values(), at);
      },
      (err: unknown) => {
        this.waiting.delete(name);
        throw err;
      },
    );
    this.waiting.set(name, reading);
    return reading;
  }

  /** Whether the unit was on `taskId` at `time` (unknown counts as yes, see the class). */
  onTask(unit: UnitKey, taskId: string, time: number): boolean {
    const list = this.stints.get(unitKey(unit.stationId, unit.unitId));
    if (!list || time < list[0]!.from) return true;
    let current = list[0]!;
    for (const s of list) {
      if (s.from > time) break;
      current = s;
    }
    return current.taskId === taskId;
  }
}
