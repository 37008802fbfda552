import { parseDocName } from '@jointmap/shared';
import type { DocStore } from '../storage/types.ts';
import { Room, type RoomOptions } from './room.ts';

export interface RoomManagerOptions extends RoomOptions {
  /** Unload a room this long after its last connection left. */
  idleMs: number;
}

/** Loads rooms lazily (one load per name even under concurrent joins) and unloads idle ones. */
export class RoomManager {
  private readonly rooms = new Map<string, Promise<Room>>();
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly store: DocStore,
    private readonly options: RoomManagerOptions,
  ) {}

  /** The loaded room for a document name such as `op-1/command`; loads it if needed. */
  get(name: string): Promise<Room> {
    const parsed = parseDocName(name);
    if (!parsed) return Promise.reject(new Error(`not a document name: ${name}`));
    this.cancelIdle(name);
    let pending = this.rooms.get(name);
    if (pending) {
      return pending.then((room) => (room.isFailed || room.destroyed ? this.reload(name, room) : room));
    }
    pending = Room.load(name, parsed.kind, this.store, this.options).then((room) => {
      room.onEmpty = () => this.scheduleIdle(name, room);
      return room;
    });
    pending.catch(() => this.rooms.delete(name));
    this.rooms.set(name, pending);
    return pending;
  }

  private reload(name: string, stale: Room): Promise<Room> {
    if (this.rooms.get(name) !== undefined) this.rooms.delete(name);
    void stale.destroy();
    return this.get(name);
  }

  /** Rooms currently in memory (loaded or loading). */
  get size(): number {
    return this.rooms.size;
  }

  has(name: string): boolean {
    return this.rooms.has(name);
  }

  private scheduleIdle(name: string, room: Room): void {
    if (room.connectionCount > 0) return;
    this.cancelIdle(name);
    const timer = setTimeout(() => {
      this.idleTimers.delete(name);
      if (room.connectionCount > 0) return;
      this.rooms.delete(name);
      void room.destroy();
    }, this.options.idleMs);
    timer.unref();
    this.idleTimers.set(name, timer);
  }

  private cancelIdle(name: string): void {
    const t = this.idleTimers.get(name);
    if (t) {
      clearTimeout(t);
      this.idleTimers.delete(name);
    }
  }

  /** Snapshot and unload everything (shutdown). */
  async closeAll(): Promise<void> {
    for (const t of this.idleTimers.values()) clearTimeout(t);
    this.idleTimers.clear();
    const rooms = await Promise.allSettled([...this.rooms.values()]);
    this.rooms.clear();
    await Promise.all(rooms.map((r) => (r.status === 'fulfilled' ? r.value.destroy() : undefined)));
  }
}
