import type { ValidationIssue } from '@jointmap/shared';
import { i18n, type MessageKey } from './i18n.svelte.ts';

/** Fields with a name in the UI (`validation.field.*`); a problem in any other reads generically. */
const FIELDS = new Set([
  'callsign',
  'members',
  'title',
  'description',
  'note',
  'name',
  'label',
  'symbol',
  'targetStations',
  'unitIds',
  'assignedUnitIds',
  'deviceIds',
  'sweepWidthM',
  'radiusM',
]);

/** A detail longer than this (a dump of every invalid field) is cut: the sentence must stay readable. */
const MAX_DETAIL = 200;

/** `detail` trimmed and cut to a readable length. */
export function cutDetail(detail: string): string {
  const d = detail.trim();
  return d.length > MAX_DETAIL ? `${d.slice(0, MAX_DETAIL - 1)}…` : d;
}

/** A broken rule: its JSON-schema keyword and number (`maxLength`, 40), as `ValidationIssue` says it. */
type Rule = Pick<ValidationIssue, 'kind' | 'limit'>;

/** The message saying that `rule` was broken, with its number; null for rules without one here. */
function ruleMessage({ kind, limit }: Rule): [MessageKey, Record<string, string>] | null {
  if (kind === 'uniqueItems') return ['validation.duplicate', {}];
  if (limit === undefined) return null;
  const n = String(limit);
  switch (kind) {
    case 'maxLength':
      return ['validation.tooLong', { max: n }];
    case 'minLength':
      return limit === 1 ? ['validation.empty', {}] : ['validation.tooShort', { min: n }];
    case 'maxItems':
      return ['validation.tooMany', { max: n }];
    case 'minItems':
      return limit === 1 ? ['validation.empty', {}] : null;
    case 'maximum':
      return ['validation.atMost', { n }];
    case 'exclusiveMaximum':
      return ['validation.below', { n }];
    case 'minimum':
      return ['validation.atLeast', { n }];
    case 'exclusiveMinimum':
      return ['validation.above', { n }];
    default:
      return null;
  }
}

/** The field a JSON pointer (`/members/3`) names: its last segment that is not an array index. */
function fieldOf(path: string): string | null {
  const field = path
    .split('/')
    .filter((s) => s !== '' && !/^\d+$/.test(s))
    .at(-1);
  return field && FIELDS.has(field) ? field : null;
}

/**
 * What validation refused, in the UI's language, naming the field (`成员过长（最多 40 个字）`),
 * or null when no issue names a field of the UI. Only the structure (path, keyword, limit) is
 * read: the validator's English sentence may change with the validator, so it is never parsed.
 */
export function describeValidation(issues: readonly ValidationIssue[] = []): string | null {
  for (const issue of issues) {
    const field = fieldOf(issue.path);
    if (!field) continue;
    const label = i18n.t(`validation.field.${field}`);
    const known = ruleMessage(issue);
    if (known) return i18n.t(known[0], { field: label, ...known[1] });
    return i18n.t('validation.fieldInvalid', { field: label, detail: cutDetail(issue.message) });
  }
  return null;
}

/**
 * What shared validation refused, as one sentence of the UI's language: the field and its limit
 * when known, else "输入不符合要求" with the (English) detail in parentheses, which helps support.
 *
 * @example const p = checkEntry(…)!; error = i18n.t('props.invalid', { problem: validationText(p.message, p.issues) });
 */
export function validationText(detail: string, issues?: readonly ValidationIssue[]): string {
  const known = describeValidation(issues);
  if (known) return known;
  const cut = cutDetail(detail);
  return cut ? i18n.t('validation.invalid', { detail: cut }) : i18n.t('validation.invalidPlain');
}
