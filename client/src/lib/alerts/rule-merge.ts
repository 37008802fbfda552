import type { MessageKey } from '../i18n/i18n.svelte.ts';
import type { RuleDraft } from './rule-draft.ts';

/** The fields of a rule a user edits in the form (id, scope and author say which record it is). */
export const RULE_FIELDS = [
  'type',
  'name',
  'enabled',
  'trigger',
  'polygon',
  'line',
  'widthM',
  'limitKmh',
  'maxStopMinutes',
  'noFixMinutes',
  'unitKinds',
  'units',
  'from',
  'to',
  'note',
] as const satisfies ReadonlyArray<keyof RuleDraft>;

export type RuleField = (typeof RULE_FIELDS)[number];

/** A three-way merge of an open edit form with the stored rule. */
export interface RuleMerge {
  /** The draft to show and save: the stored rule plus only what this user changed. */
  draft: RuleDraft;
  /** What "changed by this user" is measured against from now on. */
  base: RuleDraft;
  /** Fields this user changed that someone else also changed, to another value (the user's value is kept). */
  conflicts: RuleField[];
}

/** A field's value in a form that compares equal when it means the same (kinds and units in any order). */
export function valueKey(field: RuleField, d: RuleDraft): string {
  if (field === 'unitKinds') return [...d.unitKinds].sort().join(',');
  if (field === 'units')
    return d.units
      .map((u) => `${u.stationId}/${u.unitId}`)
      .sort()
      .join(',');
  return JSON.stringify(d[field]);
}

/**
 * Merge three versions of one rule field by field: `base` (the stored rule as the form took it in),
 * `mine` (the form's values now) and `theirs` (the stored rule now). A field only this user changed
 * keeps the user's value; one only someone else changed takes theirs; one both changed to the same
 * value is settled; one both changed differently is a conflict (kept as the user has it, its base
 * left as it was so it stays a conflict until {@link acceptTheirsAsBase}). Every other field's base
 * becomes the stored value. Pure: nothing is mutated.
 */
export function mergeRuleEdit(base: RuleDraft, mine: RuleDraft, theirs: RuleDraft): RuleMerge {
  const draft: RuleDraft = { ...mine };
  const next: RuleDraft = { ...base };
  const conflicts: RuleField[] = [];
  for (const f of RULE_FIELDS) {
    const b = valueKey(f, base);
    const m = valueKey(f, mine);
    const t = valueKey(f, theirs);
    if (m !== b && t !== b && t !== m) {
      conflicts.push(f);
      continue;
    }
    copyField(next, theirs, f);
    if (m === b) copyField(draft, theirs, f);
  }
  return { draft, base: next, conflicts };
}

/**
 * The base after the user was told of `conflicts`: the stored values of those fields, so the
 * user's own values are now deliberate changes over them and a second save writes them.
 */
export function acceptTheirsAsBase(base: RuleDraft, theirs: RuleDraft, conflicts: readonly RuleField[]): RuleDraft {
  const next: RuleDraft = { ...base };
  for (const f of conflicts) copyField(next, theirs, f);
  return next;
}

/** Set one field of `target` to its value in `from`. */
export function copyField<K extends RuleField>(target: RuleDraft, from: RuleDraft, k: K): void {
  target[k] = from[k];
}

/** The form's label of each field, to name a conflict (both ends of the active hours are one field there). */
export const RULE_FIELD_LABEL: Record<RuleField, MessageKey> = {
  type: 'rules.field.type',
  name: 'rules.field.name',
  enabled: 'rules.field.enabled',
  trigger: 'rules.field.trigger',
  polygon: 'rules.field.area',
  line: 'rules.field.route',
  widthM: 'rules.field.width',
  limitKmh: 'rules.field.limit',
  maxStopMinutes: 'rules.field.maxStop',
  noFixMinutes: 'rules.field.noFix',
  unitKinds: 'rules.field.kinds',
  units: 'rules.field.units',
  from: 'rules.field.hours',
  to: 'rules.field.hours',
  note: 'rules.field.note',
};
