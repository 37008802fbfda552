import { validationIssueOf, type ErrorCode, type ValidationIssue } from '../errors.ts';

/**
 * Bumped when the wire protocol changes incompatibly; clients older than MIN are refused
 * (`CLIENT_TOO_OLD`: the console says to reload; the wall reloads itself when it safely can).
 * 2: every SOS alert names its device (`evidence.deviceId`), which a console of protocol 1 refuses
 * as a whole alert (its evidence admits no other field).
 */
export const PROTOCOL_VERSION = 2;
export const MIN_CLIENT_PROTOCOL_VERSION = 2;

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
  /** What was refused, in English (for logs, and for stock clients, which show nothing else). */
  message: string;
  /** The document the rejection concerns. */
  doc: string;
  /**
   * Entries of an update the schema refused (removed, or restored to their value before), as
   * structure a client words in its own language, each naming its entry (`units/car-01`) and its
   * field (`/callsign`). Present on every refusal of entries (empty: refused by checks beyond the
   * schema, or for their name); absent on other rejections and from servers older than it.
   */
  issues?: ValidationIssue[];
}

export function encodeRejection(r: SyncRejection): string {
  return JSON.stringify(r);
}

/** A rejection's reason string, checked (it comes over the network); null when it is not ours. */
export function decodeRejection(reason: string): SyncRejection | null {
  let v: Partial<Record<keyof SyncRejection, unknown>> | null;
  try {
    v = JSON.parse(reason) as typeof v;
  } catch {
    return null;
  }
  if (typeof v?.code !== 'string' || typeof v.message !== 'string') return null;
  const r: SyncRejection = {
    code: v.code as ErrorCode,
    message: v.message,
    doc: typeof v.doc === 'string' ? v.doc : '',
  };
  if (Array.isArray(v.issues))
    r.issues = v.issues.map(validationIssueOf).filter((i): i is ValidationIssue => i !== null);
  return r;
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
