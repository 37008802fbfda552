/** What the liveness sweep needs of a sync socket (`RouteSocket`). */
export interface LivenessSocket {
  readonly isOpen: boolean;
  /** Sends the keepalive: in order with the socket's other messages, never inside one. */
  send(data: Uint8Array): void;
  ping(): void;
  terminate(): void;
}

/** One watched socket: tell it what was sent and what arrived, and forget it when it closes. */
export interface LivenessLink {
  /** Something was sent: no keepalive is due for a while. */
  sent(): void;
  /** Something arrived (a message or a pong): it is alive. */
  heard(): void;
  /** The socket closed. */
  remove(): void;
}

export interface LivenessOptions {
  /** A socket that did not answer the previous ping within this long is dropped. */
  heartbeatMs: number;
  /** A socket sent nothing for this long is sent `keepalive`. Both are checked twice a window (the shorter). */
  keepaliveMs: number;
  keepalive: Uint8Array;
  now?: () => number;
}

interface Watched {
  socket: LivenessSocket;
  lastSent: number;
  lastPing: number;
  alive: boolean;
}

/**
 * Liveness of every open sync socket of an app, from one timer for all of them: pings find
 * half-open connections (a cable pulled at a station would otherwise keep rooms loaded), and a
 * keepalive goes to a socket that was sent nothing for a window, since clients cannot see pings.
 * One timer, not two per socket: 100 sockets with their own intervals woke the event loop 100
 * times a second. The timer runs only while a socket is watched.
 */
export class SyncLiveness {
  private readonly watched = new Set<Watched>();
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;

  constructor(private readonly options: LivenessOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Number of sockets watched. */
  get size(): number {
    return this.watched.size;
  }

  watch(socket: LivenessSocket): LivenessLink {
    const now = this.now();
    const entry: Watched = { socket, lastSent: now, lastPing: now, alive: true };
    this.watched.add(entry);
    if (!this.timer) {
      const { heartbeatMs, keepaliveMs } = this.options;
      this.timer = setInterval(() => this.sweep(), Math.min(heartbeatMs, keepaliveMs) / 2);
      this.timer.unref();
    }
    return {
      sent: () => void (entry.lastSent = this.now()),
      heard: () => void (entry.alive = true),
      remove: () => {
        this.watched.delete(entry);
        if (this.watched.size === 0 && this.timer) {
          clearInterval(this.timer);
          this.timer = null;
        }
      },
    };
  }

  private sweep(): void {
    const now = this.now();
    const { heartbeatMs, keepaliveMs, keepalive } = this.options;
    for (const entry of this.watched) {
      const { socket } = entry;
      if (now - entry.lastPing >= heartbeatMs) {
        if (!entry.alive) {
          socket.terminate();
          continue;
        }
        entry.alive = false;
        entry.lastPing = now;
        socket.ping();
      }
      if (!socket.isOpen || now - entry.lastSent < keepaliveMs) continue;
      entry.lastSent = now;
      socket.send(keepalive);
    }
  }
}
