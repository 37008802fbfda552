import { type AlertRule, type AlertRuleType, type UnitKind, type UnitRef, type ZoneTrigger } from '@jointmap/shared';

/** What the rule form edits: every type's fields at once, so switching type keeps what was typed. */
export interface RuleDraft {
  /** The record's id; null for a new rule. */
  id: string | null;
  /** The document it goes into: `command` or a station id. */
  scope: string;
  type: AlertRuleType;
  name: string;
  enabled: boolean;
  trigger: ZoneTrigger;
  /** The zone, or the area of a speed / stop rule (null: everywhere). */
  polygon: GeoJSON.Polygon | null;
  /** The corridor's centre line. */
  line: GeoJSON.LineString | null;
  widthM: number | null;
  limitKmh: number | null;
  maxStopMinutes: number | null;
  noFixMinutes: number | null;
  unitKinds: UnitKind[];
  units: UnitRef[];
  /** Active hours "HH:MM"; both empty: always active. */
  from: string;
  to: string;
  note: string;
  createdBy: string | null;
}

export const RULE_TYPES: AlertRuleType[] = ['zone', 'corridor', 'speed', 'stop', 'signal'];

/** A fresh draft of `type` for `scope`, with usual defaults. */
export function newRuleDraft(type: AlertRuleType, scope: string): RuleDraft {
  return {
    id: null,
    scope,
    type,
    name: '',
    enabled: true,
    trigger: 'enter',
    polygon: null,
    line: null,
    widthM: 200,
    limitKmh: 60,
    maxStopMinutes: 15,
    noFixMinutes: 10,
    unitKinds: [],
    units: [],
    from: '',
    to: '',
    note: '',
    createdBy: null,
  };
}

/** The draft that edits an existing rule held in `scope`. */
export function draftOfRule(rule: AlertRule, scope: string): RuleDraft {
  const d = newRuleDraft(rule.type, scope);
  const common = {
    ...d,
    id: rule.id,
    name: rule.name,
    enabled: rule.enabled,
    unitKinds: [...rule.unitKinds],
    units: rule.units.map((u) => ({ ...u })),
    from: rule.activeHours?.from ?? '',
    to: rule.activeHours?.to ?? '',
    note: rule.note,
    createdBy: rule.createdBy,
  };
  switch (rule.type) {
    case 'zone':
      return { ...common, trigger: rule.trigger, polygon: rule.polygon as GeoJSON.Polygon };
    case 'corridor':
      return { ...common, line: rule.line as GeoJSON.LineString, widthM: rule.widthM };
    case 'speed':
      return { ...common, limitKmh: rule.limitKmh, polygon: rule.area as GeoJSON.Polygon | null };
    case 'stop':
      return { ...common, maxStopMinutes: rule.maxStopMinutes, polygon: rule.area as GeoJSON.Polygon | null };
    case 'signal':
      return { ...common, noFixMinutes: rule.noFixMinutes };
  }
}

/** Why a draft cannot be saved: an i18n key of the alerts messages. */
export type RuleProblem =
  | 'rules.error.name'
  | 'rules.error.polygon'
  | 'rules.error.line'
  | 'rules.error.width'
  | 'rules.error.limit'
  | 'rules.error.minutes'
  | 'rules.error.hours'
  | 'rules.error.hoursSame';

export type BuiltRule = { ok: true; rule: AlertRule } | { ok: false; problem: RuleProblem; detail?: string };

const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
const inRange = (v: number | null, min: number, max: number): v is number =>
  v !== null && Number.isFinite(v) && v >= min && v <= max;

function polygonOk(p: GeoJSON.Polygon | null): p is GeoJSON.Polygon {
  const ring = p?.coordinates[0];
  return !!ring && ring.length >= 4;
}

/**
 * The record a draft saves, or the first thing wrong with it (checked as the form shows it, before
 * the schema, so the message names the field). `id` is used for a new rule.
 */
export function buildRule(draft: RuleDraft, ctx: { id: string; userId: string; now: number }): BuiltRule {
  const name = draft.name.trim();
  if (!name || name.length > 60) return { ok: false, problem: 'rules.error.name' };
  const from = draft.from.trim();
  const to = draft.to.trim();
  if ((from || to) && !(HHMM.test(from) && HHMM.test(to))) return { ok: false, problem: 'rules.error.hours' };
  if (from && from === to) return { ok: false, problem: 'rules.error.hoursSame' };
  const common = {
    id: draft.id ?? ctx.id,
    stationId: draft.scope,
    name,
    enabled: draft.enabled,
    unitKinds: [...new Set(draft.unitKinds)],
    units: draft.units,
    activeHours: from ? { from, to } : null,
    note: draft.note.trim().slice(0, 500),
    createdBy: draft.createdBy ?? ctx.userId,
    updatedAt: ctx.now,
  };
  let rule: AlertRule;
  switch (draft.type) {
    case 'zone':
      if (!polygonOk(draft.polygon)) return { ok: false, problem: 'rules.error.polygon' };
      rule = { ...common, type: 'zone', trigger: draft.trigger, polygon: draft.polygon as never };
      break;
    case 'corridor':
      if (!draft.line || draft.line.coordinates.length < 2) return { ok: false, problem: 'rules.error.line' };
      if (!inRange(draft.widthM, 5, 5000)) return { ok: false, problem: 'rules.error.width' };
      rule = { ...common, type: 'corridor', line: draft.line as never, widthM: draft.widthM };
      break;
    case 'speed':
      if (!inRange(draft.limitKmh, 1, 400)) return { ok: false, problem: 'rules.error.limit' };
      rule = {
        ...common,
        type: 'speed',
        limitKmh: draft.limitKmh,
        area: polygonOk(draft.polygon) ? (draft.polygon as never) : null,
      };
      break;
    case 'stop':
      if (!inRange(draft.maxStopMinutes, 1, 1440)) return { ok: false, problem: 'rules.error.minutes' };
      rule = {
        ...common,
        type: 'stop',
        maxStopMinutes: draft.maxStopMinutes,
        area: polygonOk(draft.polygon) ? (draft.polygon as never) : null,
      };
      break;
    case 'signal':
      if (!inRange(draft.noFixMinutes, 1, 1440)) return { ok: false, problem: 'rules.error.minutes' };
      rule = { ...common, type: 'signal', noFixMinutes: draft.noFixMinutes };
      break;
  }
  return { ok: true, rule };
}

/** A new rule id. */
export function newRuleId(): string {
  return `r-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}
