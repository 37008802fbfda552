import { Type, type Static } from '@sinclair/typebox';
import type { ValidationIssue } from '../errors.ts';
import {
  compile,
  Id,
  issueLine,
  Label,
  LineStringGeometry,
  PolygonGeometry,
  StoredName,
  Timestamp,
  UserId,
  ringsClosed,
} from './common.ts';
import { defineRecordKind, keyIsId } from './record-kind.ts';
import { UnitKind } from './unit.ts';
import { CST_OFFSET_MS } from '../china-time.ts';

/**
 * Alert rules (geofences and limits) watched by the server on the position stream. A station's
 * rules live in its own document (`stationId` = that station) and apply to its own units; rules in
 * the command document (`stationId` = `command`) apply to every unit of the operation.
 *
 * SOS needs no rule: a tracker's alarm is always raised (a panic button must never be silenced by
 * a forgotten switch).
 */
export const AlertRuleType = {
  /** A restricted or watched area: alert on entering, leaving or both. */
  zone: 'zone',
  /** A route corridor (a line and a width) bound to units: alert on leaving it. */
  corridor: 'corridor',
  /** A speed limit, everywhere or inside an area. */
  speed: 'speed',
  /** A longest allowed stop, everywhere or inside an area. */
  stop: 'stop',
  /** No fix for a number of minutes. */
  signal: 'signal',
} as const;
export type AlertRuleType = keyof typeof AlertRuleType;

export const ZoneTrigger = { enter: 'enter', exit: 'exit', both: 'both' } as const;
export type ZoneTrigger = keyof typeof ZoneTrigger;

/** `HH:MM`, 00:00–23:59, China Standard Time (UTC+8, no daylight saving). */
export const ClockTime = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' });

export const UnitRef = Type.Object({ stationId: Id, unitId: Id }, { additionalProperties: false });
export type UnitRef = Static<typeof UnitRef>;

const Common = {
  id: Id,
  /** `command` in the command document, else the station whose document holds it. */
  stationId: Id,
  name: StoredName(60),
  enabled: Type.Boolean(),
  /**
   * Which units the rule watches: a unit listed in `units` or of a kind in `unitKinds`; both empty
   * means every unit the rule's document speaks for.
   */
  unitKinds: Type.Array(Type.Union(Object.keys(UnitKind).map((k) => Type.Literal(k))), {
    maxItems: 6,
    uniqueItems: true,
  }),
  units: Type.Array(UnitRef, { maxItems: 200 }),
  /** Active only between `from` and `to` (UTC+8; `from` > `to` spans midnight); null: always. */
  activeHours: Type.Union([
    Type.Object({ from: ClockTime, to: ClockTime }, { additionalProperties: false }),
    Type.Null(),
  ]),
  note: Label(500),
  createdBy: UserId,
  updatedAt: Timestamp,
};

const ZoneRule = Type.Object(
  {
    ...Common,
    type: Type.Literal('zone'),
    polygon: PolygonGeometry,
    trigger: Type.Union(Object.keys(ZoneTrigger).map((k) => Type.Literal(k))),
  },
  { additionalProperties: false },
);
const CorridorRule = Type.Object(
  {
    ...Common,
    type: Type.Literal('corridor'),
    line: LineStringGeometry,
    /** Full width of the corridor in metres (the line ± half of it). */
    widthM: Type.Number({ minimum: 5, maximum: 5000 }),
  },
  { additionalProperties: false },
);
const SpeedRule = Type.Object(
  {
    ...Common,
    type: Type.Literal('speed'),
    limitKmh: Type.Number({ minimum: 1, maximum: 400 }),
    /** Where the limit holds; null: everywhere. */
    area: Type.Union([PolygonGeometry, Type.Null()]),
  },
  { additionalProperties: false },
);
const StopRule = Type.Object(
  {
    ...Common,
    type: Type.Literal('stop'),
    maxStopMinutes: Type.Number({ minimum: 1, maximum: 1440 }),
    area: Type.Union([PolygonGeometry, Type.Null()]),
  },
  { additionalProperties: false },
);
const SignalRule = Type.Object(
  {
    ...Common,
    type: Type.Literal('signal'),
    noFixMinutes: Type.Number({ minimum: 1, maximum: 1440 }),
  },
  { additionalProperties: false },
);

export const AlertRuleSchema = Type.Union([ZoneRule, CorridorRule, SpeedRule, StopRule, SignalRule]);
export type ZoneRule = Static<typeof ZoneRule> & { trigger: ZoneTrigger };
export type CorridorRule = Static<typeof CorridorRule>;
export type SpeedRule = Static<typeof SpeedRule>;
export type StopRule = Static<typeof StopRule>;
export type SignalRule = Static<typeof SignalRule>;
export type AlertRule = (ZoneRule | CorridorRule | SpeedRule | StopRule | SignalRule) & { unitKinds: UnitKind[] };

const ruleKind = defineRecordKind({
  map: 'rules',
  version: 1,
  schema: AlertRuleSchema,
  semantic(rule, key) {
    const polygon =
      rule.type === 'zone' ? rule.polygon : rule.type === 'speed' || rule.type === 'stop' ? rule.area : null;
    if (polygon && !ringsClosed(polygon)) return 'polygon ring not closed';
    const seen = new Set<string>();
    for (const u of rule.units) {
      const k = `${u.stationId}/${u.unitId}`;
      if (seen.has(k)) return `unit ${k} listed twice`;
      seen.add(k);
    }
    return keyIsId(rule, key);
  },
});

/** Validators per rule type: a bad field is explained against the record's own type, not the last variant tried. */
const BY_TYPE: Record<string, ReturnType<typeof compile>> = {
  zone: compile(ZoneRule),
  corridor: compile(CorridorRule),
  speed: compile(SpeedRule),
  stop: compile(StopRule),
  signal: compile(SignalRule),
};

export const alertRuleKind = {
  ...ruleKind,
  validator: {
    check: ruleKind.validator.check,
    explain(value: unknown): string | null {
      const found = alertRuleIssue(value);
      return found && issueLine(found);
    },
    issue: alertRuleIssue,
  },
};

function alertRuleIssue(value: unknown): ValidationIssue | null {
  if (ruleKind.validator.check(value)) return null;
  const type = (value as { type?: unknown } | null)?.type;
  const one = typeof type === 'string' && Object.hasOwn(BY_TYPE, type) ? BY_TYPE[type]! : null;
  return (
    one?.issue(value) ?? { path: '/type', kind: 'anyOf', message: `one of ${Object.keys(AlertRuleType).join(', ')}` }
  );
}

/** Whether `rule` watches a unit of `stationId` with id `unitId` and kind `kind` (ignores `enabled`). */
export function ruleWatchesUnit(rule: AlertRule, stationId: string, unitId: string, kind: UnitKind): boolean {
  if (rule.stationId !== 'command' && rule.stationId !== stationId) return false;
  if (rule.units.length === 0 && rule.unitKinds.length === 0) return true;
  return rule.unitKinds.includes(kind) || rule.units.some((u) => u.stationId === stationId && u.unitId === unitId);
}

const DAY_MS = 86_400_000;
/** Minutes since midnight of an "HH:MM" time. */
const toMin = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
/** Milliseconds since midnight in China time (UTC+8) of `time`. */
const sinceMidnightCst = (time: number) => (((time + CST_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS;

/** Whether `rule` is active at `time` (epoch ms): enabled and inside its active hours (UTC+8). */
export function ruleActiveAt(rule: AlertRule, time: number): boolean {
  if (!rule.enabled) return false;
  if (!rule.activeHours) return true;
  const minute = Math.floor(sinceMidnightCst(time) / 60_000);
  const from = toMin(rule.activeHours.from);
  const to = toMin(rule.activeHours.to);
  return from <= to ? minute >= from && minute < to : minute >= from || minute < to;
}

/**
 * When the active period of `rule` that holds `time` began (epoch ms): its `activeHours.from` on
 * that day, or on the day before for hours that span midnight and `time` after midnight; -Infinity
 * for a rule without active hours (one period, for ever). Only meaningful while the rule is active
 * at `time` ({@link ruleActiveAt}).
 *
 * A debounced rule (zone, corridor, speed) starts every period afresh, "outside" as when it is
 * switched on: what a unit did while the rule was off duty is never the subject of an alert (a unit
 * that left at 19:00 is not "leaving" at 08:00), and a unit found inside when the hours begin
 * counts as entering then.
 */
export function activePeriodStart(rule: Pick<AlertRule, 'activeHours'>, time: number): number {
  const hours = rule.activeHours;
  if (!hours) return -Infinity;
  const start = time - sinceMidnightCst(time) + toMin(hours.from) * 60_000;
  // Hours across midnight (22:00–06:00): a time before `from` belongs to the period begun yesterday.
  return time >= start ? start : start - DAY_MS;
}
