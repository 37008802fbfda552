import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import {
  AppError,
  canSeeOperation,
  docAccess,
  encodeRejection,
  parseDocName,
  SyncCloseCode,
  type ErrorCode,
} from '@jointmap/shared';
import { encodePermissionDenied } from '../rooms/sync-messages.ts';
import { connectionLimits } from '../rooms/inbound-queue.ts';
import type { RoomSession } from '../rooms/room.ts';
import { authenticateSession } from '../auth/session.ts';
import { SessionSlots } from '../auth/session-slots.ts';
import type { AppContext } from '../services/context.ts';
import { RouteSocket } from './route-socket.ts';
import { SyncLiveness } from './sync-liveness.ts';

/**
 * Clients cannot see pings (sent every `syncHeartbeatMs`; a connection that did not answer the
 * previous ping is dropped), so a sign of life for them every `syncKeepaliveMs` of silence: an
 * empty awareness update (no states), which the stock provider applies as a no-op. The client
 * drops a socket silent for a few seconds (a cut cable never closes it) and opens a new one.
 */
const KEEPALIVE = Uint8Array.of(1, 1, 0);
/**
 * What a frame held until the document is ready counts against `maxMessageBytes` beyond its
 * payload: its Buffer and view. Without it, empty frames would pile up without limit.
 */
const HELD_FRAME_BYTES = 128;

const closeCodeOf: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: SyncCloseCode.unauthenticated,
  TOKEN_EXPIRED: SyncCloseCode.unauthenticated,
  SESSION_ENDED: SyncCloseCode.unauthenticated,
  FORBIDDEN: SyncCloseCode.forbidden,
  NOT_FOUND: SyncCloseCode.notFound,
  // Gone for good on this instance: the client must not keep reconnecting.
  OPERATION_PURGED: SyncCloseCode.notFound,
  INVALID_PAYLOAD: SyncCloseCode.invalid,
  PAYLOAD_TOO_LARGE: SyncCloseCode.tooLarge,
  RATE_LIMITED: SyncCloseCode.rateLimited,
};

/**
 * `/sync/<operationId>/<scope>?token=…`: the y-websocket protocol, so the stock WebsocketProvider
 * works unchanged. Messages that arrive while the session is checked and the room loads are
 * buffered in order.
 */
export function syncRoutes(app: FastifyInstance, ctx: AppContext): void {
  const limits = connectionLimits(ctx.config);
  const slots = new SessionSlots(ctx.config.syncMaxPerSession);
  const liveness = new SyncLiveness({
    heartbeatMs: ctx.config.syncHeartbeatMs,
    keepaliveMs: ctx.config.syncKeepaliveMs,
    keepalive: KEEPALIVE,
  });
  const options = {
    websocket: true as const,
    config: { public: true },
    // Plain HTTP would get the WebSocket plugin's bare 404; answer with a coded error instead.
    preValidation: async (request: FastifyRequest) => {
      if (request.headers.upgrade?.toLowerCase() !== 'websocket')
        throw new AppError('NOT_FOUND', 'the sync endpoint speaks WebSocket only (the y-websocket protocol)');
    },
  };
  app.get('/sync/*', options, (ws: WebSocket, request) => {
    const name = decodedPath((request.params as { '*': string })['*'] ?? '');
    const token = (request.query as { token?: string }).token;
    const pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let deliver: ((data: Uint8Array) => void) | null = null;
    let leave: (() => void) | null = null;
    /** Take the connection out of its room if it joined one (`leave`: the room's `close`), at most once. */
    const leaveRoom = () => {
      leave?.();
      leave = null;
    };
    let cancelExpiry: (() => void) | null = null;
    let releaseSlot: (() => void) | null = null;
    // Pings find half-open connections; a keepalive goes only to a socket that was sent nothing for
    // the window: a busy one needs no sign of life, and 100 clients in one room then cost no
    // keepalives at all (the longest silence a client sees is 1.5 windows; its limit is 6 s,
    // SILENT_LINK_MS).
    const socket = new RouteSocket(ws, (request.raw.socket as Socket | undefined) ?? null, liveness, {
      maxBacklogBytes: ctx.config.syncSendBacklogMaxBytes,
      // It answers pings but reads slower than it is sent (what it is sent piles up behind an answer).
      backlogRefusal: () => {
        const message = `more than ${ctx.config.syncSendBacklogMaxBytes} bytes waiting to go out: reading slower than sent`;
        request.log.info({ doc: name }, `sync closed: ${message}`);
        ctx.metrics.syncLimited.inc({ limit: 'send_backlog' });
        return rejection(name, 'RATE_LIMITED', message);
      },
      // Out of its room at once, as on any other refusal (`end`): not when `ws` reports the close.
      backlogClosed: leaveRoom,
    });
    /**
     * Refuse the connection and take it out of its room at once: `ws` goes on emitting what the
     * client sends until it answers the close (up to 30 s), and none of it may count.
     */
    const end = (code: ErrorCode, message: string) => {
      refuse(socket, name, code, message);
      leaveRoom();
    };
    ws.on('pong', socket.link.heard);
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      // Closing (the server refused it, or its session ended; the close may wait for an answer under
      // way): what still comes is dropped.
      if (!socket.isOpen) return;
      socket.link.heard();
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (!isBinary) return end('INVALID_PAYLOAD', 'text frames are not part of the protocol');
      if (deliver) return deliver(bytes);
      // A frame held costs memory of its own (its Buffer and view), empty or not.
      pendingBytes += bytes.byteLength + HELD_FRAME_BYTES;
      if (pendingBytes > ctx.config.maxMessageBytes) {
        refuse(socket, name, 'PAYLOAD_TOO_LARGE', 'too much data before the document was ready');
        return;
      }
      pending.push(bytes);
    });
    ws.on('close', () => {
      socket.closed();
      cancelExpiry?.();
      releaseSlot?.();
      leaveRoom();
      ctx.metrics.syncConnections.dec();
    });
    ws.on('error', (err) => request.log.debug({ err }, 'sync socket error'));
    ctx.metrics.syncConnections.inc();

    void (async () => {
      const { claims, user } = await authenticateSession(ctx, token);
      releaseSlot = slots.take(claims.sid);
      if (!releaseSlot)
        throw new AppError('RATE_LIMITED', `this session has ${slots.max} sync connections open already`);
      // Closed during the await above: the close handler ran before there was a slot to release.
      if (ws.readyState === ws.CLOSING || ws.readyState === ws.CLOSED) releaseSlot();
      const parsed = parseDocName(name);
      if (!parsed) throw new AppError('NOT_FOUND', `not a document: ${name}`);
      const op = await ctx.storage.getOperation(parsed.operationId);
      // Operations the user may not see do not exist for them (as on REST).
      if (!op || !canSeeOperation(user, op.stations))
        throw new AppError('NOT_FOUND', `no operation ${parsed.operationId}`);
      if (op.purgedAt != null)
        throw new AppError(
          'OPERATION_PURGED',
          `operation ${op.id} was archived and purged; restore its archive to see it`,
        );
      const access = docAccess(user, op.stations, parsed.scope, op.status);
      if (access === 'none') throw new AppError('NOT_FOUND', `no document ${name}`);
      // The socket lives as long as its session: closed when it ends (sign-out, account disabled or
      // changed) or expires unrenewed; the client then logs in again.
      cancelExpiry = ctx.sessions.watch(claims, end);
      // Closed during the awaits above: the close handler already ran and could not cancel this.
      if (ws.readyState !== ws.OPEN) cancelExpiry();
      const room = await ctx.rooms.get(name);
      // Closed (or purged) while the room loaded: admitted as the operation is now. A close after
      // this point unloads the room, and this connection comes back read-only.
      const now = await ctx.storage.getOperation(op.id);
      if (!now || now.purgedAt != null) throw new AppError('OPERATION_PURGED', `operation ${op.id} was purged`);
      // Unloaded meanwhile (the operation closed): the client reconnects and is admitted afresh.
      if (room.destroyed) throw new AppError('STORAGE_UNAVAILABLE', `${name} was unloaded; connect again`);
      const admitted = docAccess(user, now.stations, parsed.scope, now.status);
      const session: RoomSession = {
        sessionId: claims.sid,
        user: { id: user.id, name: user.name, role: user.role, stationId: user.stationId },
        access: admitted === 'write' ? 'write' : 'read',
      };
      const conn = room.connect(socket, session, {
        limits,
        onLimited: (limit) => ctx.metrics.syncLimited.inc({ limit }),
      });
      deliver = conn.receive;
      leave = conn.close;
      for (const m of pending.splice(0)) conn.receive(m);
      // Closed while the session was checked or the room loaded: what it sent is still applied
      // (queued above, with the session checked at connect), then the connection leaves.
      if (ws.readyState === ws.CLOSING || ws.readyState === ws.CLOSED) leaveRoom();
    })().catch((err: unknown) => {
      if (err instanceof AppError) {
        request.log.info({ doc: name, code: err.code }, `sync refused: ${err.message}`);
        end(err.code, err.message);
      } else {
        request.log.error({ err, doc: name }, 'sync setup failed');
        end('STORAGE_UNAVAILABLE', 'document could not be loaded');
      }
    });
  });
}

function refuse(socket: RouteSocket, doc: string, code: ErrorCode, message: string): void {
  if (!socket.isOpen) return;
  socket.refuse(rejection(doc, code, message), closeCodeOf[code] ?? SyncCloseCode.unavailable, code);
}

/** The coded message telling a client why its connection is refused. */
function rejection(doc: string, code: ErrorCode, message: string): Uint8Array {
  return encodePermissionDenied(encodeRejection({ code, message, doc }));
}

/** The document name of a sync path, percent-decoded; as given when it does not decode (refused later as no document). */
function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
