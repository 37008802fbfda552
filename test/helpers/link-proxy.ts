import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP relay between the browser and the server that can play a dead link: `cut()` keeps every
 * connection open but lets no byte through in either direction (a pulled cable or a dead radio
 * link: nothing is closed, nothing arrives), and new connections hang unanswered. `restore()`
 * drops what was open during the cut (its byte streams are broken) and relays again. When the
 * server behind it goes away, its connections close as they would without the relay.
 */
export class LinkProxy {
  private server: Server | null = null;
  private cutNow = false;
  private readonly open = new Set<{ client: Socket; upstream: Socket | null }>();
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

  restore(): void {
    this.cutNow = false;
    for (const pair of this.open) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    this.open.clear();
  }

  async close(): Promise<void> {
    this.restore();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    const pair: { client: Socket; upstream: Socket | null } = { client, upstream: null };
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
    upstream.on('data', (d) => !this.cutNow && client.write(d));
  }
}
