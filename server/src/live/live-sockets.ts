import type { Socket } from 'socket.io';
import {
  AppError,
  liveRoomName,
  MIN_CLIENT_PROTOCOL_VERSION,
  parseJoinRequest,
  parseLiveAuth,
  type AlertsMessage,
  type ClientToServerEvents,
  type CoverageMessage,
  type ErrorCode,
  type LiveAck,
  type LiveConnectErrorData,
  type ServerToClientEvents,
  type SnapshotMessage,
} from '@jointmap/shared';
import type { LiveServer, LiveSocketData } from '../plugins/socket-io.ts';
import type { AppContext } from '../services/context.ts';
import { PositionFanout, type ViewerSocket } from './fanout.ts';
import { authenticateSession } from '../auth/session.ts';
import { SessionSlots } from '../auth/session-slots.ts';
import { getVisibleOperation } from '../services/operations.ts';
import { liveStations, liveStationsOf } from './track.ts';
import type { LiveService } from './live-service.ts';

type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, LiveSocketData>;

/** Where the full coverage message sent after the positions snapshot comes from. */
export interface CoverageSource {
  fullMessage(operationId: string): Promise<CoverageMessage>;
}

/** Where the full alerts message sent after the positions snapshot comes from. */
export interface AlertsSource {
  fullMessage(operationId: string): Promise<AlertsMessage>;
}

/**
 * socket.io side of the live channel: handshake authentication (bearer token in `auth`, protocol
 * version), joining operations with an immediate snapshot (then, with `coverage`, every sector's
 * coverage), and the coalesced fan-out.
 */
export function attachLiveSockets(
  io: LiveServer,
  ctx: AppContext,
  live: LiveService,
  flushMs: number,
  coverage?: CoverageSource,
  alerts?: AlertsSource,
): PositionFanout {
  const fanout = new PositionFanout(
    {
      // Local sockets only: every instance gets every stored fix from the relay and fans out to
      // its own viewers, so a broadcast through the Redis adapter would deliver each batch once
      // per instance.
      broadcast: (op, except, msg) =>
        io.local
          .to(liveRoomName(op))
          .except([...except])
          .emit('live:positions', msg),
    },
    { flushMs },
  );
  live.attachFanout(fanout);
  const slots = new SessionSlots(ctx.config.liveMaxPerSession);

  io.use(async (socket, next) => {
    try {
      const auth = parseLiveAuth(socket.handshake.auth);
      if (!auth.ok) throw new AppError(auth.code, auth.message);
      if (auth.value.protocolVersion < MIN_CLIENT_PROTOCOL_VERSION) {
        throw new AppError('CLIENT_TOO_OLD', `protocol ${auth.value.protocolVersion} is too old; reload the page`);
      }
      const { claims, user } = await authenticateSession(ctx, auth.value.token);
      const release = slots.take(claims.sid);
      if (!release) throw new AppError('RATE_LIMITED', `this session has ${slots.max} live connections open already`);
      socket.data.user = user;
      socket.data.operations = new Set();
      // The connection lives as long as its session (sign-out, account changes, expiry unrenewed).
      const unwatch = ctx.sessions.watch(claims, (code, message) => {
        socket.emit('live:error', { code, message });
        socket.disconnect(true);
      });
      const cancel = () => {
        unwatch();
        release();
      };
      socket.once('disconnect', cancel);
      // A transport that closed during the awaits above never gets to 'disconnect'.
      socket.conn.once('close', cancel);
      if (socket.conn.readyState === 'closed') cancel();
      next();
    } catch (err) {
      next(connectError(err));
    }
  });

  io.on('connection', (socket: LiveSocket) => {
    const viewer = viewerOf(socket);
    socket.on('live:join', (req, ack) => {
      void join(req).then((res) => reply(ack, res));
    });
    socket.on('live:leave', (req, ack) => {
      const parsed = parseJoinRequest(req);
      if (!parsed.ok) return reply(ack, failure(parsed.code, parsed.message));
      const { operationId } = parsed.value;
      leave(operationId);
      reply(ack, { ok: true, operationId });
    });
    socket.on('disconnect', () => {
      for (const op of socket.data.operations) fanout.removeViewer(op, socket.id);
      socket.data.operations.clear();
    });

    const auto = (socket.handshake.auth as { operationId?: string }).operationId;
    if (auto !== undefined) {
      void join({ operationId: auto }).then((res) => {
        if (!res.ok) {
          socket.emit('live:error', { ...res.error, operationId: auto });
          socket.disconnect(true);
        }
      });
    }

    async function join(req: unknown): Promise<LiveAck<{ operationId: string }>> {
      const parsed = parseJoinRequest(req);
      if (!parsed.ok) return failure(parsed.code, parsed.message);
      const { operationId } = parsed.value;
      try {
        const op = await getVisibleOperation(ctx, socket.data.user, operationId);
        // A closed operation shares another station's live positions with commanders only.
        const stations = await liveStationsOf(socket.data.user, op, () => ctx.storage.listOperations());
        const only = shareOf(op, stations);
        if (socket.disconnected) return failure('UNAUTHENTICATED', 'disconnected');
        if (!socket.data.operations.has(operationId)) {
          if (socket.data.operations.size >= ctx.config.liveMaxOperations)
            return failure('RATE_LIMITED', `one connection follows at most ${ctx.config.liveMaxOperations} operations`);
          socket.data.operations.add(operationId);
          await socket.join(liveRoomName(operationId));
          // The disconnect handler may have run during the await (an adapter's join can be async):
          // adding the viewer now would leave a dead one in the fan-out for good.
          if (socket.disconnected) {
            socket.data.operations.delete(operationId);
            void socket.leave(liveRoomName(operationId));
            return failure('UNAUTHENTICATED', 'disconnected');
          }
          fanout.addViewer(operationId, op.stations, viewer, only);
        }
        const shown = op.status === 'active' ? await narrowedSinceRead(operationId, stations) : stations;
        // The snapshot goes out after the join, so any batch sent later is at least as new.
        socket.emit('live:snapshot', snapshotMessage(live, operationId, shown));
        if (coverage) await sendCoverage(operationId);
        if (alerts) await sendAlerts(operationId);
        return { ok: true, operationId };
      } catch (err) {
        if (err instanceof AppError) return failure(err.code, err.message);
        ctx.log.error({ err, operationId }, 'live join failed');
        return failure('STORAGE_UNAVAILABLE', 'could not load the operation');
      }
    }

    /**
     * The stations this viewer may see now that it is in the room. A close that ran between the
     * operation's read and the join narrowed the viewers in the room, not this one: the status is
     * read again, and if the operation closed meanwhile, its share narrowed here.
     */
    async function narrowedSinceRead(operationId: string, stations: string[]): Promise<string[]> {
      const now = await ctx.storage.getOperation(operationId);
      if (!now || now.status === 'active') return stations;
      const narrowed = await liveStationsOf(socket.data.user, now, () => ctx.storage.listOperations());
      fanout.restrictViewer(operationId, socket.id, shareOf(now, narrowed));
      return narrowed;
    }

    /** Every sector's coverage, after the snapshot; changes already broadcast are at most as new. */
    async function sendCoverage(operationId: string): Promise<void> {
      try {
        const msg = await coverage!.fullMessage(operationId);
        if (socket.connected && socket.data.operations.has(operationId)) socket.emit('live:coverage', msg);
      } catch (err) {
        ctx.log.error({ err, operationId }, 'coverage snapshot failed');
      }
    }

    /** Every unresolved alert (and the newest resolved), after the snapshot. */
    async function sendAlerts(operationId: string): Promise<void> {
      try {
        const msg = await alerts!.fullMessage(operationId);
        if (socket.connected && socket.data.operations.has(operationId)) socket.emit('live:alerts', msg);
      } catch (err) {
        ctx.log.error({ err, operationId }, 'alerts snapshot failed');
      }
    }

    function leave(operationId: string): void {
      if (!socket.data.operations.delete(operationId)) return;
      void socket.leave(liveRoomName(operationId));
      fanout.removeViewer(operationId, socket.id);
    }
  });
  return fanout;
}

/**
 * An operation was closed (here or on another instance): its viewers on this instance who may no
 * longer see every station's live positions get their own share only from now on, as if they had
 * joined after the close; so do the viewers of operations closed earlier that saw a station through
 * this one. A viewer whose share shrank gets a snapshot of it, which replaces what its console
 * holds (the other stations' markers go).
 */
export async function narrowClosedViewers(
  io: LiveServer,
  ctx: Pick<AppContext, 'storage'>,
  fanout: PositionFanout,
  live: Pick<LiveService, 'snapshot' | 'options'>,
  operationId: string,
): Promise<void> {
  const operations = await ctx.storage.listOperations();
  const closed = operations.find((o) => o.id === operationId);
  if (!closed || closed.status === 'active') return;
  // Its close may also end what a viewer of an operation closed earlier saw through this one.
  const affected = operations.filter(
    (o) => o.status !== 'active' && o.stations.some((s) => closed.stations.includes(s)),
  );
  for (const op of affected) {
    for (const socket of await io.local.in(liveRoomName(op.id)).fetchSockets()) {
      const stations = liveStations(socket.data.user, op, operations);
      if (!fanout.restrictViewer(op.id, socket.id, shareOf(op, stations))) continue;
      socket.emit('live:snapshot', snapshotMessage(live, op.id, stations));
    }
  }
}

/** The live positions of `stations` now, as a snapshot that replaces what a viewer's console holds. */
function snapshotMessage(
  live: Pick<LiveService, 'snapshot' | 'options'>,
  operationId: string,
  stations: readonly string[],
): SnapshotMessage {
  return {
    operationId,
    serverTime: Date.now(),
    positions: live.snapshot(stations),
    thresholds: live.options.thresholds,
  };
}

/** A viewer's share of the fan-out: the stations it may see, or null when that is all of them. */
function shareOf(op: { stations: readonly string[] }, stations: readonly string[]): ReadonlySet<string> | null {
  return stations.length < op.stations.length ? new Set(stations) : null;
}

function viewerOf(socket: LiveSocket): ViewerSocket {
  return {
    id: socket.id,
    isCongested() {
      const conn = socket.conn as unknown as { transport: { writable: boolean }; writeBuffer: unknown[] };
      return !conn.transport.writable || conn.writeBuffer.length > 0;
    },
    send: (msg) => socket.emit('live:positions', msg),
  };
}

function failure(code: ErrorCode, message: string): { ok: false; error: { code: ErrorCode; message: string } } {
  return { ok: false, error: { code, message } };
}

function reply<T>(ack: unknown, res: T): void {
  if (typeof ack === 'function') (ack as (r: T) => void)(res);
}

function connectError(err: unknown): Error & { data: LiveConnectErrorData } {
  const data: LiveConnectErrorData =
    err instanceof AppError
      ? { code: err.code, message: err.message }
      : { code: 'INTERNAL', message: 'handshake failed' };
  return Object.assign(new Error(data.message), { data });
}
