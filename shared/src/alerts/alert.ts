import { Type, type Static } from '@sinclair/typebox';
import type { Principal } from '../permissions/permissions.ts';
import { compile, Id, UserId } from '../schema/common.ts';

/**
 * Alerts raised by the server's alert engine from the position stream. They are not Yjs records:
 * the server writes them (durably, before pushing them on the live channel) and people only
 * acknowledge and resolve them through REST.
 */
export const AlertKind = {
  zone_enter: 'zone_enter',
  zone_exit: 'zone_exit',
  corridor_leave: 'corridor_leave',
  overspeed: 'overspeed',
  long_stop: 'long_stop',
  signal_loss: 'signal_loss',
  sos: 'sos',
} as const;
export type AlertKind = keyof typeof AlertKind;

export const AlertState = { open: 'open', acknowledged: 'acknowledged', resolved: 'resolved' } as const;
export type AlertState = keyof typeof AlertState;

const Person = Type.Object({ id: UserId, name: Type.String({ maxLength: 80 }) }, { additionalProperties: false });
const OptionalNumber = Type.Optional(Type.Number());

export const AlertSchema = Type.Object(
  {
    /** Server-made, stable: the same violation always gets the same id (a restart never doubles it). */
    id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,100}$' }),
    operationId: Id,
    /** The unit's station (who may acknowledge: its dispatchers and commanders). */
    stationId: Id,
    unitId: Id,
    /** The rule that fired; null for SOS (always on). */
    ruleId: Type.Union([Id, Type.Null()]),
    /** Where the rule lives: `command`, a station id, or null for SOS. */
    ruleScope: Type.Union([Id, Type.Null()]),
    /** The rule's name when the alert was raised (rules may be renamed or deleted later). */
    ruleName: Type.String({ maxLength: 60 }),
    kind: Type.Union(Object.keys(AlertKind).map((k) => Type.Literal(k))),
    /** Device time of the fix that raised it (signal loss: the time the silence passed the limit), epoch ms. */
    time: Type.Integer({ minimum: 0 }),
    /** Server clock when the alert was stored, epoch ms. */
    raisedAt: Type.Integer({ minimum: 0 }),
    /**
     * WGS-84 [lng, lat] of the unit at `time` (signal loss: its last fix). An SOS whose alarm came
     * without a usable position says so in `evidence.position`: there it is the unit's last known
     * position (`last_known`), or no place at all (`none`, stored as 0, 0: never draw it).
     */
    lngLat: Type.Tuple([Type.Number(), Type.Number()]),
    /** What shows the violation. */
    evidence: Type.Object(
      {
        speedKmh: OptionalNumber,
        limitKmh: OptionalNumber,
        /** Distance outside the corridor or zone edge, metres. */
        distanceM: OptionalNumber,
        stopMinutes: OptionalNumber,
        silentMinutes: OptionalNumber,
        /** The tracker's alarm text for SOS. */
        alarm: Type.Optional(Type.String({ maxLength: 40 })),
        /**
         * SOS whose alarm came without a usable position (no GPS lock indoors, lat 0 lon 0):
         * `last_known`, `lngLat` is the unit's last known position, from its fix at `positionTime`;
         * `none`, the unit never reported one. Absent: `lngLat` is where the alarm was sent from.
         */
        position: Type.Optional(Type.Union([Type.Literal('last_known'), Type.Literal('none')])),
        /** Device time of the fix `lngLat` comes from (with `position: 'last_known'`), epoch ms. */
        positionTime: Type.Optional(Type.Integer({ minimum: 0 })),
        /**
         * SOS: device time of the report, sent without a position, that ended this press (its
         * alarm no longer set). No track holds it; the engine reads it to tell a later press from
         * this one after a restart and for a late alarm fix. Absent: not ended so, or not yet.
         */
        pressEndedAt: Type.Optional(Type.Integer({ minimum: 0 })),
        /**
         * SOS: the tracker whose alarm raised it, with a position or without. The press is that
         * device's: the engine holds it (after a restart too) until that device reports without
         * the alarm or the alert is resolved. Absent on alerts stored before it was recorded.
         */
        deviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      },
      { additionalProperties: false },
    ),
    state: Type.Union(Object.keys(AlertState).map((k) => Type.Literal(k))),
    acknowledgedBy: Type.Union([Person, Type.Null()]),
    acknowledgedAt: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    resolvedBy: Type.Union([Person, Type.Null()]),
    resolvedAt: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type Alert = Static<typeof AlertSchema> & { kind: AlertKind; state: AlertState };
export const alertValidator = compile(AlertSchema);

/**
 * `live:alerts` (server → client): after join / reconnect every alert that is not resolved plus the
 * newest resolved ones (`full: true`: replace what you hold), then each alert that was raised or
 * changed state (`full: false`: upsert by id).
 */
export interface AlertsMessage {
  operationId: string;
  serverTime: number;
  full: boolean;
  alerts: Alert[];
}

/** How many resolved alerts a full `live:alerts` message carries besides every unresolved one. */
export const ALERTS_RESOLVED_IN_FULL = 100;

/**
 * REST:
 * - `GET  /api/operations/:id/alerts?state=&kind=&stationId=&limit=` → `{alerts: Alert[]}`, newest first.
 * - `POST /api/operations/:id/alerts/:alertId/acknowledge` → `{alert}` (409 CONFLICT unless open).
 * - `POST /api/operations/:id/alerts/:alertId/resolve` → `{alert}` (409 CONFLICT unless acknowledged).
 */
export interface AlertResponse {
  alert: Alert;
}
export interface AlertListResponse {
  alerts: Alert[];
}

/** Who may acknowledge and resolve an alert of a unit of `alertStationId`: commanders, and dispatchers of that station. */
export function canHandleAlert(user: Principal, alertStationId: string): boolean {
  return user.role === 'commander' || (user.role === 'dispatcher' && user.stationId === alertStationId);
}
