import {
  compile,
  UnitPositionSchema,
  validThresholds,
  type FreshnessThresholds,
  type UnitPosition,
} from '@jointmap/shared';

const positionValidator = compile(UnitPositionSchema);

export interface LiveBatch {
  serverTime: number;
  /** The positions that passed validation, in message order. */
  positions: UnitPosition[];
  /** How many positions were malformed and left out. */
  skipped: number;
  /** A snapshot's staleness thresholds, when present and sane. */
  thresholds: FreshnessThresholds | null;
}

/**
 * Read a `live:positions` or `live:snapshot` message for `operationId`. The envelope must be
 * sound (else null: the whole message is ignored), but positions are checked one by one so a
 * single malformed position costs only itself, never the rest of the batch.
 */
export function readLiveBatch(raw: unknown, operationId: string): LiveBatch | null {
  if (raw === null || typeof raw !== 'object') return null;
  const m = raw as { operationId?: unknown; serverTime?: unknown; positions?: unknown; thresholds?: unknown };
  if (m.operationId !== operationId || !Array.isArray(m.positions)) return null;
  if (typeof m.serverTime !== 'number' || !Number.isSafeInteger(m.serverTime) || m.serverTime < 0) return null;
  const positions = m.positions.filter((p): p is UnitPosition => positionValidator.check(p));
  const t = m.thresholds as Partial<FreshnessThresholds> | undefined;
  const thresholds =
    t &&
    typeof t === 'object' &&
    typeof t.staleAfterMs === 'number' &&
    typeof t.lostAfterMs === 'number' &&
    validThresholds({ staleAfterMs: t.staleAfterMs, lostAfterMs: t.lostAfterMs })
      ? { staleAfterMs: t.staleAfterMs, lostAfterMs: t.lostAfterMs }
      : null;
  return { serverTime: m.serverTime, positions, skipped: m.positions.length - positions.length, thresholds };
}

/** Error codes of the live channel that mean the token is no longer accepted: sign in again. */
const SESSION_ENDED: ReadonlySet<string> = new Set(['TOKEN_EXPIRED', 'SESSION_ENDED', 'UNAUTHENTICATED']);

/** Whether a `live:error` / `connect_error` code ends the session (so reconnecting is pointless). */
export function endsSession(error: { code?: string } | null | undefined): boolean {
  return !!error?.code && SESSION_ENDED.has(error.code);
}

/**
 * Whether to connect again after the server refused the handshake or closed the socket with this
 * error. socket.io-client retries neither by itself. A temporary failure (`STORAGE_UNAVAILABLE` while
 * the session cannot be checked, `INTERNAL`, a refused join) heals on its own, so a wall must keep
 * trying; an ended session needs a new sign-in and an outdated client a reload.
 */
export function worthRetrying(error: { code?: string } | null | undefined): boolean {
  return !endsSession(error) && error?.code !== 'CLIENT_TOO_OLD';
}
