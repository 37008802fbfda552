import { encodeRejection } from '@jointmap/shared';
import type { VerifiedUser } from './awareness-identity.ts';
import { encodePermissionDenied } from './sync-messages.ts';
import { DEFAULT_CONNECTION_LIMITS, InboundBudget, type ConnectionLimits, type LimitName } from './inbound-queue.ts';
import type { PresenceMember } from './room-presence.ts';
import { GapTracker } from './update-guard.ts';

/** What a room needs of a connection; the WebSocket layer translates to it. */
export interface RoomSocket {
  send(data: Uint8Array): void;
  close(code: number, reason: string): void;
  readonly isOpen: boolean;
}

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
  /** Told once that it publishes more presence states than it may. */
  toldAwarenessLimit: boolean;
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
    budget: new InboundBudget(limits),
    onLimited: (limit) => options.onLimited?.(limit),
    toldAwarenessLimit: false,
    gaps: new GapTracker(),
    send: (data) => sendTo(conn, data),
  };
  return conn;
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

/** The coded message telling a connection that its room's storage failed (it is closed next). */
export function storageFailedMessage(code: 'STORAGE_FULL' | 'STORAGE_UNAVAILABLE', doc: string): Uint8Array {
  const message =
    code === 'STORAGE_FULL' ? 'the disk is full: the edit was not stored' : 'storage failed; reconnecting';
  return encodePermissionDenied(encodeRejection({ code, message, doc }));
}
