import { encodeRejection } from '@jointmap/shared';
import type { VerifiedUser } from './awareness-identity.ts';
import { encodePermissionDenied } from './sync-messages.ts';
import { DEFAULT_CONNECTION_LIMITS, InboundBudget, type ConnectionLimits, type LimitName } from './inbound-queue.ts';
import { PresenceAllowance } from './presence-allowance.ts';
import { PresenceRefusal, type PresenceMember, type PresenceRefusalBit } from './room-presence.ts';
import { GapTracker } from './update-guard.ts';

/** What a room needs of a connection; the WebSocket layer translates to it. */
export interface RoomSocket {
  send(data: Uint8Array): void;
  close(code: number, reason: string): void;
  readonly isOpen: boolean;
  /** Bytes written to it that have not gone out yet (unset: none); presence skips a socket with many. */
  readonly bufferedBytes?: number;
}

/**
 * Presence is not sent to a socket with more than this waiting to go out (a slow or stalled
 * client): a presence message is replaceable (the next change or renewal of each state carries it
 * whole), and sending it anyway would only pile up memory. Document updates always go out. Far
 * above what presence alone queues: a message with every state of 100 clients is about 25 KiB.
 */
export const PRESENCE_BACKLOG_BYTES = 256 * 1024;

export interface RoomSession {
  sessionId: string;
  user: VerifiedUser;
  access: 'read' | 'write';
}

/** Per connection: its limits (defaults: DEFAULT_CONNECTION_LIMITS), and who to tell when it hits one. */
export interface ConnectOptions {
  limits?: Partial<ConnectionLimits>;
  onLimited?(limit: LimitName): void;
}

/** One connection as its room keeps it. */
export interface Connection extends PresenceMember {
  socket: RoomSocket;
  session: RoomSession;
  budget: InboundBudget;
  onLimited(limit: LimitName): void;
  /** The presence limits it was told it went over (`PresenceRefusal` bits): each is told once. */
  toldPresence: number;
  /** Its updates that depended on changes the server lacks. */
  gaps: GapTracker;
}

export function createConnection(socket: RoomSocket, session: RoomSession, options: ConnectOptions = {}): Connection {
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits };
  const conn: Connection = {
    socket,
    session,
    user: session.user,
    clients: new Set(),
    maxClients: limits.awarenessClients,
    allowance: new PresenceAllowance(limits.awarenessStateBytes, limits.awarenessBytesPerSecond),
    budget: new InboundBudget(limits),
    onLimited: (limit) => options.onLimited?.(limit),
    toldPresence: 0,
    gaps: new GapTracker(),
    send: (data) => sendPresence(conn, data),
  };
  return conn;
}

/** Send a presence message, unless the socket is closed or has a backlog (`PRESENCE_BACKLOG_BYTES`). */
function sendPresence(conn: Connection, data: Uint8Array): void {
  const socket = conn.socket;
  if (!socket.isOpen) return;
  if ((socket.bufferedBytes ?? 0) > PRESENCE_BACKLOG_BYTES) return conn.onLimited('presence_backlog');
  socket.send(data);
}

/** Send if the socket is still open (a closed one is being cleaned up). */
export function sendTo(conn: Pick<Connection, 'socket'>, data: Uint8Array): void {
  if (conn.socket.isOpen) conn.socket.send(data);
}

/** The coded message telling a connection which limit closed it. */
export function overLimitMessage(conn: Connection, limit: 'queue' | 'state_requests'): string {
  const { queueMessages, queueBytes, stateRequestsPerMinute } = conn.budget.limits;
  return limit === 'queue'
    ? `more than ${queueMessages} messages or ${queueBytes} bytes waiting: sending faster than the document is written`
    : `more than ${stateRequestsPerMinute} sync state requests a minute`;
}

/** The metric label and the coded message of a presence limit a connection went over (ignored, not closed). */
export function presenceLimitOf(
  conn: Connection,
  refusal: PresenceRefusalBit,
): { limit: LimitName; code: 'RATE_LIMITED' | 'PAYLOAD_TOO_LARGE'; message: string } {
  if (refusal === PresenceRefusal.size)
    return {
      limit: 'awareness_size',
      code: 'PAYLOAD_TOO_LARGE',
      message: `presence states over ${conn.allowance.maxStateBytes} bytes are ignored`,
    };
  if (refusal === PresenceRefusal.rate)
    return {
      limit: 'awareness_rate',
      code: 'RATE_LIMITED',
      message: `presence over ${conn.budget.limits.awarenessBytesPerSecond} bytes a second is ignored`,
    };
  return {
    limit: 'awareness_clients',
    code: 'RATE_LIMITED',
    message: `at most ${conn.maxClients} presence client ids per connection; further ones are ignored`,
  };
}

/** The coded message telling a connection that its room's storage failed (it is closed next). */
export function storageFailedMessage(code: 'STORAGE_FULL' | 'STORAGE_UNAVAILABLE', doc: string): Uint8Array {
  const message =
    code === 'STORAGE_FULL' ? 'the disk is full: the edit was not stored' : 'storage failed; reconnecting';
  return encodePermissionDenied(encodeRejection({ code, message, doc }));
}
