import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Server, type ServerOptions } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@jointmap/shared';
import type { AuthUser } from './auth.ts';

/** Per-socket state set by the handshake middleware. */
export interface LiveSocketData {
  user: AuthUser;
  /** Operations this socket follows. */
  operations: Set<string>;
}

export type LiveServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, LiveSocketData>;

const PATH = '/socket.io';
/**
 * Heartbeat: the server pings every PING_INTERVAL_MS; a client that has heard nothing for
 * PING_INTERVAL_MS + PING_TIMEOUT_MS drops the link and reconnects (its live badge stops saying
 * online), and the server drops a client that did not answer within PING_TIMEOUT_MS. The defaults
 * (25 s + 20 s) left a cut link looking online for most of a minute.
 */
const PING_INTERVAL_MS = 2_000;
const PING_TIMEOUT_MS = 4_000;

/**
 * socket.io on the Fastify HTTP server at `/socket.io` (the unmaintained `fastify-socket.io` is
 * not used). With several instances `adapter` is `@socket.io/redis-adapter`
 * (server/src/cluster/live-cluster.ts), so a broadcast reaches the sockets of every instance.
 *
 * @fastify/websocket answers every HTTP upgrade by routing it through Fastify, which would answer
 * socket.io's upgrades with a 404; so upgrades are dispatched by path here: `/socket.io/` to
 * engine.io, everything else (`/sync/*`) to the listeners that were there before.
 */
export function registerSocketIo(
  app: FastifyInstance,
  options: { maxMessageBytes: number; adapter?: ServerOptions['adapter'] },
): LiveServer {
  const server = app.server;
  const previous = server.listeners('upgrade') as Array<(req: IncomingMessage, socket: Duplex, head: Buffer) => void>;
  server.removeAllListeners('upgrade');
  const io: LiveServer = new Server(server, {
    path: PATH,
    serveClient: false,
    maxHttpBufferSize: options.maxMessageBytes,
    pingInterval: PING_INTERVAL_MS,
    pingTimeout: PING_TIMEOUT_MS,
    // engine.io must not close upgrades of other paths (the /sync WebSockets).
    destroyUpgrade: false,
    ...(options.adapter ? { adapter: options.adapter } : {}),
  });
  const engineListeners = server.listeners('upgrade') as typeof previous;
  server.removeAllListeners('upgrade');
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const target = (req.url ?? '').startsWith(`${PATH}/`) ? engineListeners : previous;
    for (const listener of target) listener.call(server, req, socket, head);
  });
  app.addHook('preClose', async () => {
    // Close the transports only. Not io.close(): that would also close the HTTP server, which
    // Fastify closes itself; nor io.disconnectSockets(): its DISCONNECT packet tells socket.io-client
    // the server ended the session ("io server disconnect"), and the client then never reconnects.
    // A transport close is what a restart looks like to clients, and they reconnect.
    io.engine.close();
  });
  return io;
}
