import { io, type Socket } from 'socket.io-client';
import { PROTOCOL_VERSION, type ClientToServerEvents, type ServerToClientEvents } from '@jointmap/shared';
import { DEMO_OP } from '../../helpers/server.ts';

/** socket.io clients of the demo operation for the live benchmarks (viewers, alert watchers). */

export type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A socket.io client of the demo operation (WebSocket only, a connection of its own). */
export const liveSocket = (url: string, token: string): LiveSocket =>
  io(url, {
    auth: { token, protocolVersion: PROTOCOL_VERSION, operationId: DEMO_OP },
    transports: ['websocket'],
    forceNew: true,
  });

/** Resolves with the socket's first `live:snapshot`, rejects on a refused connection. */
export const snapshotReceived = (socket: LiveSocket): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    socket.once('live:snapshot', () => resolve());
    socket.once('connect_error', reject);
  });
