import { offerNewest, type PositionsMessage, type UnitPosition } from '@jointmap/shared';

/** What the fan-out needs of one viewer connection; the socket.io layer translates to it. */
export interface ViewerSocket {
  readonly id: string;
  /** True while earlier messages are still waiting to be written (slow link, polling gap). */
  isCongested(): boolean;
  /** Send to this viewer alone. */
  send(msg: PositionsMessage): void;
}

/** Sends one message to every viewer of an operation except some, encoding it once. */
export interface Broadcaster {
  broadcast(operationId: string, exceptViewerIds: readonly string[], msg: PositionsMessage): void;
}

interface Viewer {
  socket: ViewerSocket;
  /** Newest position per unit (by `unitKey`) not yet delivered because the viewer was congested. */
  backlog: Map<string, UnitPosition> | null;
  /** The only stations this viewer may get positions of (null: all of the operation's). */
  only: ReadonlySet<string> | null;
}

interface OperationRoom {
  stations: ReadonlySet<string>;
  viewers: Map<string, Viewer>;
  /** Newest position per unit (by `unitKey`: station and unit id) since the last flush. */
  pending: Map<string, UnitPosition>;
}

/**
 * Per-operation fan-out of positions, coalesced per unit (station and unit id): positions are collected for `flushMs`
 * and sent as one `live:positions` batch holding the newest fix per unit. A viewer whose link is
 * congested is left out of the broadcast and gets a private backlog that also keeps only the
 * newest fix per unit; it is delivered in one message when the link frees up. A slow viewer
 * therefore receives the current picture, never a queue of stale fixes, and costs memory bounded
 * by the number of units.
 */
export class PositionFanout {
  private readonly rooms = new Map<string, OperationRoom>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly broadcaster: Broadcaster,
    private readonly options: { flushMs: number; now?: () => number },
  ) {}

  /**
   * Add a viewer to an operation whose participating stations are `stations`. With `only`, the
   * viewer gets positions of those stations alone (a closed operation seen by a dispatcher): it is
   * left out of the broadcast and sent its own share.
   */
  addViewer(
    operationId: string,
    stations: readonly string[],
    socket: ViewerSocket,
    only: ReadonlySet<string> | null = null,
  ): void {
    let room = this.rooms.get(operationId);
    if (!room) {
      room = { stations: new Set(stations), viewers: new Map(), pending: new Map() };
      this.rooms.set(operationId, room);
    }
    room.viewers.set(socket.id, { socket, backlog: null, only });
  }

  /**
   * From now on, send this viewer positions of `only` stations (null: all of the operation's).
   * Whether its share changed (false too for a viewer not held).
   */
  restrictViewer(operationId: string, socketId: string, only: ReadonlySet<string> | null): boolean {
    const viewer = this.rooms.get(operationId)?.viewers.get(socketId);
    if (!viewer) return false;
    const same =
      viewer.only === only ||
      (viewer.only !== null &&
        only !== null &&
        viewer.only.size === only.size &&
        [...only].every((s) => viewer.only!.has(s)));
    viewer.only = only;
    if (only && viewer.backlog)
      for (const [key, p] of viewer.backlog) if (!only.has(p.stationId)) viewer.backlog.delete(key);
    return !same;
  }

  removeViewer(operationId: string, socketId: string): void {
    const room = this.rooms.get(operationId);
    if (!room) return;
    room.viewers.delete(socketId);
    if (room.viewers.size === 0) this.rooms.delete(operationId);
  }

  /** Operations that currently have viewers (for metrics and tests). */
  get operationCount(): number {
    return this.rooms.size;
  }

  /** Ids of the operations that currently have viewers. */
  operationIds(): string[] {
    return [...this.rooms.keys()];
  }

  /** Queue a position for every operation that includes the unit's station. */
  publish(pos: UnitPosition): void {
    let queued = false;
    for (const room of this.rooms.values()) {
      if (!room.stations.has(pos.stationId)) continue;
      offerNewest(room.pending, pos);
      queued = true;
    }
    if (queued) this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, this.options.flushMs);
  }

  /** Send what is pending now (the timer calls this; tests may too). */
  flush(): void {
    const serverTime = (this.options.now ?? Date.now)();
    let backlogLeft = false;
    for (const [operationId, room] of this.rooms) {
      const batch = room.pending.size ? [...room.pending.values()] : null;
      room.pending.clear();
      const skip: string[] = [];
      for (const viewer of room.viewers.values()) {
        const { only } = viewer;
        const mine = batch && only ? batch.filter((p) => only.has(p.stationId)) : batch;
        // A viewer of some stations only is never in the broadcast: it gets its share alone.
        if (only) skip.push(viewer.socket.id);
        if (!viewer.backlog && !mine?.length) continue;
        const congested = viewer.socket.isCongested();
        if (!viewer.backlog && !congested && !only) continue;
        if (!only) skip.push(viewer.socket.id);
        if (mine?.length) {
          viewer.backlog ??= new Map();
          for (const p of mine) offerNewest(viewer.backlog, p);
        }
        if (congested) {
          backlogLeft = true;
        } else {
          viewer.socket.send({ operationId, serverTime, positions: [...viewer.backlog!.values()] });
          viewer.backlog = null;
        }
      }
      if (batch && skip.length < room.viewers.size) {
        this.broadcaster.broadcast(operationId, skip, { operationId, serverTime, positions: batch });
      }
    }
    if (backlogLeft) this.schedule();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.rooms.clear();
  }
}
