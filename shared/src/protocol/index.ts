import type { ErrorCode } from '../errors.ts';

/** Bumped when the wire protocol changes incompatibly; clients older than MIN are refused. */
export const PROTOCOL_VERSION = 1;
export const MIN_CLIENT_PROTOCOL_VERSION = 1;

/**
 * The HTTP response header in which the server states its clock (epoch ms) when it answered: on
 * every answer a browser does not keep (server/src/plugins/server-time.ts), read by the console
 * before its live channel speaks (client/src/lib/state/http-clock.ts).
 */
export const SERVER_TIME_HEADER = 'x-server-time';

/**
 * The reason string of a y-websocket "permission denied" auth message, as sent by our server:
 * JSON so that clients can show a coded error, while stock clients just log it.
 */
export interface SyncRejection {
  code: ErrorCode;
  message: string;
  /** The document the rejection concerns. */
  doc: string;
}

export function encodeRejection(r: SyncRejection): string {
  return JSON.stringify(r);
}

export function decodeRejection(reason: string): SyncRejection | null {
  try {
    const v = JSON.parse(reason) as Partial<SyncRejection>;
    return typeof v.code === 'string' && typeof v.message === 'string' ? (v as SyncRejection) : null;
  } catch {
    return null;
  }
}

/**
 * Close codes of the sync WebSocket (4000–4999 are application-defined). Stock y-websocket 3.x
 * clients stop reconnecting on 4400–4499 and retry on anything else, so "try again later" codes
 * sit in 4500–4599.
 */
export const SyncCloseCode = {
  unauthenticated: 4401,
  forbidden: 4403,
  notFound: 4404,
  tooLarge: 4413,
  invalid: 4400,
  unavailable: 4503,
  /** The connection asked too much too fast (`RATE_LIMITED`); the client reconnects and resyncs. */
  rateLimited: 4529,
} as const;

/** Awareness state that our clients publish; the server overwrites `user` with the verified one. */
export interface PresenceState {
  user: { id: string; name: string; role: string; stationId: string | null };
  pointer?: [number, number] | null;
  color?: string;
}
export * from './live.ts';
export * from './timeline.ts';
export * from './dispatch-settings.ts';
export * from './report.ts';
export * from './replay.ts';
