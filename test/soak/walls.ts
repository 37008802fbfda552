/**
 * Wall displays: each a viewer session with the command document over y-websocket (read-only)
 * and the operation's live channel over socket.io, as the wall page opens them.
 */
import { io, type Socket } from 'socket.io-client';
import { PROTOCOL_VERSION, type ClientToServerEvents, type ServerToClientEvents } from '@jointmap/shared';
import { DEMO_OP } from '../helpers/server.ts';
import { Histogram } from './metrics.ts';
import type { Disruptions } from './schedule.ts';
import { COMMAND_DOC, openPeer, type SyncPeer } from './sync-load.ts';

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export class Walls {
  readonly peers: SyncPeer[] = [];
  readonly sockets: LiveSocket[] = [];
  readonly latency = new Histogram();
  readonly steadyLatency = new Histogram();
  delivered = 0;
  snapshots = 0;
  liveErrors = 0;
  private measuring = false;

  constructor(private readonly disruptions: Disruptions) {}

  async connect(url: string, wsUrl: string, token: string, count: number): Promise<void> {
    const ready: Array<Promise<void>> = [];
    for (let i = 0; i < count; i++) {
      this.peers.push(openPeer(`wall-${i}`, wsUrl, COMMAND_DOC, token));
      const socket: LiveSocket = io(url, {
        auth: { token, protocolVersion: PROTOCOL_VERSION, operationId: DEMO_OP },
        transports: ['websocket'],
        forceNew: true,
        // The wall page's own settings are socket.io's defaults (1 s, up to 5 s).
      });
      ready.push(
        new Promise((resolve, reject) => {
          socket.once('live:snapshot', () => resolve());
          socket.once('connect_error', reject);
        }),
      );
      socket.on('live:snapshot', () => this.snapshots++);
      socket.on('live:error', () => this.liveErrors++);
      socket.on('live:positions', (msg) => {
        if (!this.measuring) return;
        const now = Date.now();
        for (const p of msg.positions) {
          if (!p.unitId.startsWith('soak-u-')) continue;
          this.delivered++;
          const ms = now - p.time;
          this.latency.add(ms);
          if (!this.disruptions.overlaps(p.time, now)) this.steadyLatency.add(ms);
        }
      });
      this.sockets.push(socket);
    }
    await Promise.all(ready);
  }

  startMeasuring(): void {
    this.measuring = true;
  }

  /** A network blip: drop the live sockets' transports (socket.io reconnects by itself). */
  dropLive(): void {
    for (const s of this.sockets) s.io.engine?.close();
  }

  connectedLive(): number {
    return this.sockets.filter((s) => s.connected).length;
  }

  destroy(): void {
    this.measuring = false;
    for (const s of this.sockets.splice(0)) s.disconnect();
    for (const p of this.peers.splice(0)) {
      p.provider.destroy();
      p.doc.destroy();
    }
  }
}
