import { parseDocName } from '@jointmap/shared';
import type { DocStore } from '../storage/types.ts';
import { Room, type RoomOptions } from './room.ts';

export interface RoomManagerOptions extends RoomOptions {
  /** Unload a room this long after its last connection left (or after a server write, if nobody joined). */
  idleMs: number;
}

interface Entry {
  promise: Promise<Room>;
  idle: NodeJS.Timeout | null;
}

/**
 * Loads rooms lazily (one load per name even under concurrent joins), replaces rooms whose storage
 * failed, and unloads idle ones. Every removal checks that the map still holds the entry it
 * means to remove, so a late timer or a second joiner can never evict a newer room.
 */
export class RoomManager {
  private readonly rooms = new Map<string, Entry>();

  constructor(
    private readonly store: DocStore,
    private readonly options: RoomManagerOptions,
  ) {}

  /** The loaded room for a document name such as `op-1/command`; loads it if needed. */
  async get(name: string): Promise<Room> {
    const parsed = parseDocName(name);
    if (!parsed) throw new Error(`not a document name: ${name}`);
    let entry = this.rooms.get(name);
    if (!entry) {
      const promise = Room.load(name, parsed.kind, this.store, this.options);
      const created: Entry = { promise, idle: null };
      entry = created;
      this.rooms.set(name, created);
      promise.then(
        (room) => (room.onEmpty = () => this.scheduleIdle(name, created, room)),
        () => this.remove(name, created),
      );
    }
    this.cancelIdle(entry);
    const room = await entry.promise;
    if (room.isFailed || room.destroyed) {
      if (this.remove(name, entry)) void room.destroy();
      return this.get(name);
    }
    // A room loaded for a server write may never get a connection: it must unload as well.
    this.scheduleIdle(name, entry, room);
    return room;
  }

  /** Rooms currently in memory (loaded or loading). */
  get size(): number {
    return this.rooms.size;
  }

  has(name: string): boolean {
    return this.rooms.has(name);
  }

  private scheduleIdle(name: string, entry: Entry, room: Room): void {
    if (room.connectionCount > 0 || this.rooms.get(name) !== entry) return;
    this.cancelIdle(entry);
    entry.idle = setTimeout(() => {
      entry.idle = null;
      if (room.connectionCount > 0 || !this.remove(name, entry)) return;
      void room.destroy();
    }, this.options.idleMs);
    entry.idle.unref();
  }

  private cancelIdle(entry: Entry): void {
    if (entry.idle) clearTimeout(entry.idle);
    entry.idle = null;
  }

  /** Forget `entry` if it is still the one registered under `name`. */
  private remove(name: string, entry: Entry): boolean {
    if (this.rooms.get(name) !== entry) return false;
    this.cancelIdle(entry);
    this.rooms.delete(name);
    return true;
  }

  /** Snapshot and unload everything (shutdown). */
  async closeAll(): Promise<void> {
    const entries = [...this.rooms.values()];
    for (const e of entries) this.cancelIdle(e);
    this.rooms.clear();
    const rooms = await Promise.allSettled(entries.map((e) => e.promise));
    await Promise.all(rooms.map((r) => (r.status === 'fulfilled' ? r.value.destroy() : undefined)));
  }
}
