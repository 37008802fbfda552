import { onTestFinished } from 'vitest';
import { Server } from 'socket.io';

/**
 * A real socket.io server for a test session's live channel whose clock runs `aheadMs` ahead of
 * this PC's (behind when negative): it sends every joining console a snapshot stamped with its own
 * time, as the live channel does, so the session's `serverNow` differs from `Date.now()` by that
 * much. Closed when the test finishes; returns the `wsBase` to give `offlineSession`.
 */
export async function liveServerAhead(aheadMs: number): Promise<string> {
  const server = new Server(0);
  server.on('connection', (socket) =>
    socket.emit('live:snapshot', { operationId: 'op-1', serverTime: Date.now() + aheadMs, positions: [] }),
  );
  onTestFinished(() => void server.close());
  const { port } = server.httpServer.address() as { port: number };
  return `ws://127.0.0.1:${port}`;
}
