import { AppError, parseDocName, type DocKind } from '@jointmap/shared';
import type { DocStore } from '../storage/types.ts';
import { Room, type RoomOptions } from './room.ts';

export interface RoomManagerOptions extends RoomOptions {
  /** Unload a room this long after its last connection left (or after a server write, if nobody joined). */
  idleMs: number;
  /** A load that failed (storage unreachable, or a failed write while loading) is tried again this often (default 3). */
  loadRetries?: number;
  /** Wait before the first retry of a load (ms, default 200); doubles for each further retry. */
  loadBackoffMs?: number;
  /** Every failed load attempt; `willRetry` is false when the manager gives up and refuses the callers. */
  onLoadFailed?(room: string, error: unknown, willRetry: boolean): void;
  /**
   * Storage's word, asked before each load: whether the operation was purged. Its documents are
   * then refused (`OPERATION_PURGED`) on every instance, and load again once another restored it.
   */
  isPurged?(operationId: string): Promise<boolean>;
}

/** A room that failed after it loaded is replaced by a fresh load at most this often per `get`. */
const MAX_REPLACEMENTS = 2;

interface Entry {
  promise: Promise<Room>;
  /** Set once loaded. */
  room: Room | null;
  idle: NodeJS.Timeout | null;
}

/**
 * Loads rooms lazily (one load per name even under concurrent joins), replaces rooms whose storage
 * failed, and unloads idle ones. Every removal checks that the map still holds the entry it
 * means to remove, so a late timer or a second joiner can never evict a newer room.
 *
 * A load that fails is retried a bounded number of times with exponential backoff while its
 * callers wait; then they are refused with `STORAGE_UNAVAILABLE` and the entry is forgotten, so
 * the next caller starts a fresh load (nothing failed stays cached) and succeeds once storage is
 * back. Other documents are served meanwhile: each name loads on its own.
 */
export class RoomManager {
  private readonly rooms = new Map<string, Entry>();
  /** Pending backoff waits; `closeAll` ends them so shutdown does not wait out a retry. */
  private readonly waits = new Set<() => void>();
  /** Bumped by `closeAll`: loads started before it give up instead of retrying. */
  private generation = 0;
  /** Documents that may not load while this instance purges their operation. */
  private readonly blocked = new Map<string, number>();
  /**
   * Rooms forgotten and still unloading, by name: their last appends may still be on the way to
   * storage, so a new load of the name waits for them (else it would read the log without them,
   * and its next snapshot would leave them out).
   */
  private readonly unloading = new Map<string, Promise<void>>();

  constructor(
    private readonly store: DocStore,
    private readonly options: RoomManagerOptions,
  ) {}

  /** The loaded room for a document name such as `op-1/command`; loads it if needed. */
  async get(name: string): Promise<Room> {
    const parsed = parseDocName(name);
    if (!parsed) throw new Error(`not a document name: ${name}`);
    for (let replaced = 0; ; replaced++) {
      let entry = this.rooms.get(name);
      if (!entry) {
        const unloaded = this.unloading.get(name);
        const load = () => this.load(name, parsed.operationId, parsed.kind);
        const promise = unloaded ? unloaded.then(load) : load();
        const created: Entry = { promise, room: null, idle: null };
        entry = created;
        this.rooms.set(name, created);
        promise.then(
          (room) => {
            created.room = room;
            room.onEmpty = () => this.scheduleIdle(name, created, room);
          },
          () => this.remove(name, created),
        );
      }
      this.cancelIdle(entry);
      const room = await entry.promise;
      if (!room.isFailed && !room.destroyed) {
        // A room loaded for a server write may never get a connection: it must unload as well.
        this.scheduleIdle(name, entry, room);
        return room;
      }
      // Failed after it loaded (or unloading): replace it, but never in a loop.
      if (this.remove(name, entry)) void this.unload(name, room);
      if (replaced >= MAX_REPLACEMENTS) throw new AppError('STORAGE_UNAVAILABLE', `${name} could not be loaded`);
    }
  }

  /** Load a room, retrying with exponential backoff; refuses with `STORAGE_UNAVAILABLE` in the end. */
  private async load(name: string, operationId: string, kind: DocKind): Promise<Room> {
    const retries = this.options.loadRetries ?? 3;
    const backoffMs = this.options.loadBackoffMs ?? 200;
    const generation = this.generation;
    for (let attempt = 0; ; attempt++) {
      let error: unknown;
      try {
        // Asked on every attempt: a room that failed after loading is replaced through here too.
        if (this.blocked.has(name) || (await this.options.isPurged?.(operationId)))
          throw new AppError('OPERATION_PURGED', `${name} was purged; restore its archive`);
        const room = await Room.load(name, kind, this.store, this.options);
        // A write made while loading (stamp, migration) failed: the room closed itself.
        if (!room.isFailed) return room;
        error = new Error(`a write to ${name} failed while loading`);
        void room.destroy();
      } catch (err) {
        if (err instanceof AppError && err.code === 'OPERATION_PURGED') throw err;
        error = err;
      }
      const willRetry = attempt < retries && generation === this.generation;
      this.options.onLoadFailed?.(name, error, willRetry);
      if (willRetry) await this.wait(backoffMs * 2 ** attempt);
      if (!willRetry || generation !== this.generation) {
        throw new AppError('STORAGE_UNAVAILABLE', `${name} could not be loaded; try again later`);
      }
    }
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waits.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waits.add(done);
    });
  }

  /** Rooms currently in memory (loaded or loading). */
  get size(): number {
    return this.rooms.size;
  }

  /** Some room has connections or is loading (one loaded only for a server write does not count). */
  get inUse(): boolean {
    for (const { room } of this.rooms.values()) if (room === null || room.connectionCount > 0) return true;
    return false;
  }

  has(name: string): boolean {
    return this.rooms.has(name);
  }

  /** Whether the room is loaded (not only loading: a load reads what was committed before it). */
  isLoaded(name: string): boolean {
    return this.rooms.get(name)?.room != null;
  }

  /** Names of the rooms in memory (loaded or loading). */
  names(): string[] {
    return [...this.rooms.keys()];
  }

  private scheduleIdle(name: string, entry: Entry, room: Room): void {
    if (room.connectionCount > 0 || this.rooms.get(name) !== entry) return;
    this.cancelIdle(entry);
    entry.idle = setTimeout(() => {
      entry.idle = null;
      if (room.connectionCount > 0 || !this.remove(name, entry)) return;
      void this.unload(name, room);
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

  /**
   * Refuse (`OPERATION_PURGED`) every later load of these documents, until `unblock`: while this
   * instance deletes them, before storage marks their operation purged.
   */
  block(names: readonly string[]): void {
    for (const n of names) this.blocked.set(n, (this.blocked.get(n) ?? 0) + 1);
  }

  /** End one `block` of these documents (two purges of one operation may overlap). */
  unblock(names: readonly string[]): void {
    for (const n of names) {
      const left = (this.blocked.get(n) ?? 0) - 1;
      if (left > 0) this.blocked.set(n, left);
      else this.blocked.delete(n);
    }
  }

  /**
   * Unload a document's room now: it snapshots if it must and closes its connections, which
   * reconnect and are admitted afresh (after their operation closed, read-only; after a purge, not).
   */
  async evict(name: string): Promise<void> {
    const entry = this.rooms.get(name);
    if (!entry || !this.remove(name, entry)) return;
    await this.unload(name, entry.promise);
  }

  /**
   * Unload those of `names` whose room has a connection with write access (after the operation
   * closed on another instance: they come back read-only). Rooms without writers stay loaded.
   */
  async evictWriters(names: readonly string[]): Promise<void> {
    await Promise.all(names.filter((n) => this.rooms.get(n)?.room?.hasWriters).map((n) => this.evict(n)));
  }

  /** Destroy a room already forgotten (or still loading); a new load of its name waits until it is done. */
  private unload(name: string, room: Room | Promise<Room>): Promise<void> {
    const before = this.unloading.get(name);
    const done: Promise<void> = (before ?? Promise.resolve())
      .then(() => room)
      .then((r) => r.destroy())
      .catch(() => undefined)
      .finally(() => {
        if (this.unloading.get(name) === done) this.unloading.delete(name);
      });
    this.unloading.set(name, done);
    return done;
  }

  /** Snapshot and unload everything (shutdown). */
  async closeAll(): Promise<void> {
    this.generation++;
    for (const done of [...this.waits]) done();
    const entries = [...this.rooms.values()];
    for (const e of entries) this.cancelIdle(e);
    this.rooms.clear();
    const rooms = await Promise.allSettled(entries.map((e) => e.promise));
    await Promise.all(rooms.map((r) => (r.status === 'fulfilled' ? r.value.destroy() : undefined)));
  }
}
