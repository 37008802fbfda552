import { Type, type Static } from '@sinclair/typebox';
import type { AlertsMessage } from '../alerts/alert.ts';
import type { ErrorCode } from '../errors.ts';
import type { FreshnessThresholds } from '../geo/staleness.ts';
import { compile, DeviceId, Id } from '../schema/common.ts';

/**
 * The live channel (socket.io at `/socket.io`): unit positions, later alerts and notices.
 * Positions never enter Yjs; this is the only way they reach browsers besides REST.
 *
 * Connect: `io(url, {auth: {token, protocolVersion: PROTOCOL_VERSION, operationId}})`. With
 * `operationId` in `auth` the server joins that operation at once and sends `live:snapshot`; since
 * socket.io re-sends `auth` on every reconnect, a reconnecting client gets the latest positions
 * with no extra code. `live:join` / `live:leave` switch operations on an open connection.
 * A refused handshake arrives as `connect_error` whose `data` is {@link LiveConnectErrorData}.
 */
export const LiveEvent = {
  /** client → server: follow an operation's positions; ack {@link JoinAck}; then `snapshot`. */
  join: 'live:join',
  /** client → server: stop following an operation; ack {@link LeaveAck}. */
  leave: 'live:leave',
  /** server → client: every latest position of the operation's units (after join / reconnect). */
  snapshot: 'live:snapshot',
  /** server → client: newest fix per unit (station + unit id) since the previous batch (coalesced). */
  positions: 'live:positions',
  /** server → client: an error not tied to a request, e.g. the token expired; then disconnect. */
  error: 'live:error',
  /**
   * server → client: search-sector coverage derived from unit tracks. Every sector of the
   * operation after join / reconnect (`full: true`), then only sectors whose coverage changed.
   */
  coverage: 'live:coverage',
  /** server → client: alerts ({@link AlertsMessage} in `shared/src/alerts`): all open after join, then changes. */
  alerts: 'live:alerts',
} as const;
export type LiveEvent = (typeof LiveEvent)[keyof typeof LiveEvent];

const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);

export const UnitPositionSchema = Type.Object(
  {
    unitId: Id,
    stationId: Id,
    deviceId: DeviceId,
    /** WGS-84 [longitude, latitude], RFC 7946 order. */
    lngLat: Type.Tuple([Type.Number({ minimum: -180, maximum: 180 }), Type.Number({ minimum: -90, maximum: 90 })]),
    /** Fix time from the device, epoch ms. */
    time: Type.Integer({ minimum: 0 }),
    /** When the server accepted the fix, epoch ms (server clock). */
    receivedAt: Type.Integer({ minimum: 0 }),
    speedMps: Nullable(Type.Number({ minimum: 0 })),
    /** Degrees clockwise from true north, [0, 360). */
    bearing: Nullable(Type.Number({ minimum: 0, maximum: 360 })),
    /** Metres above sea level (as the device reports it). */
    altitude: Nullable(Type.Number()),
    /** Horizontal accuracy in metres. */
    accuracy: Nullable(Type.Number({ minimum: 0 })),
    /** Battery level in percent, 0–100. */
    battery: Nullable(Type.Number({ minimum: 0, maximum: 100 })),
    /** Alarm raised with the fix by the tracker app (e.g. `sos`), else null. */
    alarm: Type.Union([Type.String({ maxLength: 40 }), Type.Null()]),
  },
  { additionalProperties: false },
);
/**
 * One unit's position as the live channel and REST carry it. The unit is `stationId` + `unitId`
 * together (unit ids are unique per station only): key maps with `unitKey` from `shared/src/live`,
 * and pick the newest fix with its `compareFixes` rule.
 */
export type UnitPosition = Static<typeof UnitPositionSchema>;

const ThresholdsSchema = Type.Object({
  staleAfterMs: Type.Integer({ minimum: 1 }),
  lostAfterMs: Type.Integer({ minimum: 1 }),
});

export const PositionsMessageSchema = Type.Object(
  {
    operationId: Id,
    /** Server clock when sent (epoch ms): clients derive their clock offset for staleness. */
    serverTime: Type.Integer({ minimum: 0 }),
    positions: Type.Array(UnitPositionSchema),
  },
  { additionalProperties: false },
);
export type PositionsMessage = Static<typeof PositionsMessageSchema>;

export const SnapshotMessageSchema = Type.Object(
  {
    operationId: Id,
    serverTime: Type.Integer({ minimum: 0 }),
    positions: Type.Array(UnitPositionSchema),
    /** The server's configured staleness thresholds. */
    thresholds: ThresholdsSchema,
  },
  { additionalProperties: false },
);
export type SnapshotMessage = Static<typeof SnapshotMessageSchema> & { thresholds: FreshnessThresholds };

export const SectorCoverageSchema = Type.Object(
  {
    sectorId: Id,
    /** Share of the sector's area swept by its units' tracks (buffered by the sweep width), 0–1. */
    fraction: Type.Number({ minimum: 0, maximum: 1 }),
    /** Server clock of the fix that last changed it (epoch ms), null when nothing swept yet. */
    updatedAt: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type SectorCoverage = Static<typeof SectorCoverageSchema>;

export const CoverageMessageSchema = Type.Object(
  {
    operationId: Id,
    serverTime: Type.Integer({ minimum: 0 }),
    /** True when `sectors` is every sector of the operation (drop the ones not listed). */
    full: Type.Boolean(),
    sectors: Type.Array(SectorCoverageSchema),
  },
  { additionalProperties: false },
);
export type CoverageMessage = Static<typeof CoverageMessageSchema>;

export interface LiveErrorMessage {
  code: ErrorCode;
  message: string;
  operationId?: string;
}

const JoinRequestSchema = Type.Object({ operationId: Id }, { additionalProperties: false });
export type JoinRequest = Static<typeof JoinRequestSchema>;

const LiveAuthSchema = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 4096 }),
    protocolVersion: Type.Integer({ minimum: 0 }),
    operationId: Type.Optional(Id),
  },
  { additionalProperties: false },
);
/** `auth` of the socket.io handshake. */
export type LiveAuth = Static<typeof LiveAuthSchema>;

/** The `data` of a `connect_error` the server raised (socket.io carries it as `err.data`). */
export interface LiveConnectErrorData {
  code: ErrorCode;
  message: string;
}

export type LiveAck<T extends object = Record<never, never>> =
  ({ ok: true } & T) | { ok: false; error: { code: ErrorCode; message: string } };
export type JoinAck = LiveAck<{ operationId: string }>;
export type LeaveAck = LiveAck<{ operationId: string }>;

/** socket.io typed event map: what the server emits. */
export interface ServerToClientEvents {
  'live:snapshot': (msg: SnapshotMessage) => void;
  'live:positions': (msg: PositionsMessage) => void;
  'live:error': (msg: LiveErrorMessage) => void;
  'live:coverage': (msg: CoverageMessage) => void;
  'live:alerts': (msg: AlertsMessage) => void;
}

/** socket.io typed event map: what clients emit (always with an ack callback). */
export interface ClientToServerEvents {
  'live:join': (req: JoinRequest, ack: (res: JoinAck) => void) => void;
  'live:leave': (req: JoinRequest, ack: (res: LeaveAck) => void) => void;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

const authValidator = compile(LiveAuthSchema);
const joinValidator = compile(JoinRequestSchema);
const positionsValidator = compile(PositionsMessageSchema);
const coverageValidator = compile(CoverageMessageSchema);

function parseWith<T>(validator: { explain(v: unknown): string | null }, value: unknown, what: string): Parsed<T> {
  const problem = validator.explain(value);
  return problem
    ? { ok: false, code: 'INVALID_PAYLOAD', message: `${what} ${problem}` }
    : { ok: true, value: value as T };
}

/** Validate a handshake `auth` object (server side). Version policy is the caller's. */
export function parseLiveAuth(value: unknown): Parsed<LiveAuth> {
  if (value && typeof value === 'object' && !('token' in value)) {
    return { ok: false, code: 'UNAUTHENTICATED', message: 'missing token in auth' };
  }
  return parseWith<LiveAuth>(authValidator, value, 'auth');
}

/** Validate a `live:join` / `live:leave` payload (server side). */
export function parseJoinRequest(value: unknown): Parsed<JoinRequest> {
  return parseWith<JoinRequest>(joinValidator, value, 'join request');
}

/** Validate a `live:positions` message (client side: inbound payloads are checked at the edge). */
export function parsePositionsMessage(value: unknown): Parsed<PositionsMessage> {
  return parseWith<PositionsMessage>(positionsValidator, value, 'positions');
}

/** Validate a `live:coverage` message (client side). */
export function parseCoverageMessage(value: unknown): Parsed<CoverageMessage> {
  return parseWith<CoverageMessage>(coverageValidator, value, 'coverage');
}

/** socket.io room of an operation's live viewers. */
export function liveRoomName(operationId: string): string {
  return `op:${operationId}`;
}
