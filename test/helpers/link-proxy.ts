import { createServer, connect, type Server, type Socket } from 'node:net';

/** One relayed connection; what the server sent that the slow link has not carried yet waits in `queued`. */
interface Pair {
  client: Socket;
  upstream: Socket | null;
  queued: Buffer[];
}

/** A throttled link carries its bytes in slices this often. */
const THROTTLE_TICK_MS = 20;
/** Past this many bytes waiting, the server's side is paused (as a full TCP window would). */
const THROTTLE_BACKLOG = 64 * 1024;

/**
 * A TCP relay between the browser and the server that can play a dead link: `cut()` keeps every
 * connection open but lets no byte through in either direction (a pulled cable or a dead radio
 * link: nothing is closed, nothing arrives), and new connections hang unanswered. `restore()`
 * drops what was open during the cut (its byte streams are broken) and relays again. When the
 * server behind it goes away, its connections close as they would without the relay.
 * `throttle(rate)` plays a slow link: what the server sends reaches the browser at `rate` bytes a
 * second over all connections together, in order.
 */
export class LinkProxy {
  private server: Server | null = null;
  private cutNow = false;
  private readonly open = new Set<Pair>();
  private rate: number | null = null;
  private pump: NodeJS.Timeout | null = null;
  private lastPump = 0;
  private budget = 0;
  port = 0;

  constructor(private targetPort: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Relay to another server port from the next connection on (a server restarted elsewhere). */
  retarget(port: number): void {
    this.targetPort = port;
  }

  async start(): Promise<void> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const addr = this.server.address();
    if (!addr || typeof addr === 'string') throw new Error('no address');
    this.port = addr.port;
  }

  cut(): void {
    this.cutNow = true;
  }

  /** Carry at most `bytesPerSecond` from the server to the browser from now on; `null`: no limit. */
  throttle(bytesPerSecond: number | null): void {
    this.rate = bytesPerSecond;
    if (bytesPerSecond === null) {
      this.flushAll();
      if (this.pump) clearInterval(this.pump);
      this.pump = null;
      return;
    }
    if (this.pump) return;
    this.lastPump = Date.now();
    this.budget = 0;
    this.pump = setInterval(() => this.carry(), THROTTLE_TICK_MS);
  }

  restore(): void {
    this.cutNow = false;
    for (const pair of this.open) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    this.open.clear();
  }

  async close(): Promise<void> {
    this.throttle(null);
    this.restore();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    const pair: Pair = { client, upstream: null, queued: [] };
    this.open.add(pair);
    client.on('error', () => undefined);
    client.on('close', () => {
      pair.upstream?.destroy();
      this.open.delete(pair);
    });
    if (this.cutNow) return; // accepted by the kernel, never answered
    const upstream = connect(this.targetPort, '127.0.0.1');
    pair.upstream = upstream;
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.on('data', (d) => !this.cutNow && upstream.write(d));
    upstream.on('data', (d: Buffer) => {
      if (this.cutNow) return;
      if (this.rate === null) return void client.write(d);
      pair.queued.push(d);
      if (queuedBytes(pair) > THROTTLE_BACKLOG) upstream.pause();
    });
  }

  /** One tick of a throttled link: what the elapsed time allows, oldest connection first. */
  private carry(): void {
    const now = Date.now();
    // At most a second's worth saved up: an idle link does not burst for long afterwards.
    this.budget = Math.min(this.budget + ((now - this.lastPump) / 1000) * (this.rate ?? 0), this.rate ?? 0);
    this.lastPump = now;
    if (this.cutNow) return;
    for (const pair of this.open) {
      while (pair.queued.length && this.budget >= 1) {
        const head = pair.queued[0]!;
        const n = Math.min(head.length, Math.floor(this.budget));
        if (!pair.client.destroyed) pair.client.write(head.subarray(0, n));
        this.budget -= n;
        if (n === head.length) pair.queued.shift();
        else pair.queued[0] = head.subarray(n);
      }
      if (pair.upstream?.isPaused() && queuedBytes(pair) <= THROTTLE_BACKLOG) pair.upstream.resume();
    }
  }

  private flushAll(): void {
    for (const pair of this.open) {
      for (const d of pair.queued.splice(0)) if (!pair.client.destroyed) pair.client.write(d);
      pair.upstream?.resume();
    }
  }
}

const queuedBytes = (pair: Pair) => pair.queued.reduce((n, d) => n + d.length, 0);
