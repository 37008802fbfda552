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

/**
 * Fallback for a refusal that came as a sentence only: a sync refusal (`SyncRejection` carries the
 * server's `explainEntry` sentence, no issues) or the answer of a server older than `issues`.
 * TypeBox's and Ajv's sentences → the rule they name; a rewording only loses the field's message.
 */
const SENTENCES: ReadonlyArray<[RegExp, Rule['kind']]> = [
  [/^Expected string length less or equal to (\d+)$/, 'maxLength'],
  [/^must NOT have more than (\d+) characters$/, 'maxLength'],
  [/^Expected string length greater or equal to (\d+)$/, 'minLength'],
  [/^Expected array length to be less or equal to (\d+)$/, 'maxItems'],
  [/^Expected array elements to be unique$/, 'uniqueItems'],
  [/^Expected (?:number|integer) to be less or equal to (\S+)$/, 'maximum'],
  [/^Expected (?:number|integer) to be less than (\S+)$/, 'exclusiveMaximum'],
  [/^Expected (?:number|integer) to be greater or equal to (\S+)$/, 'minimum'],
  [/^Expected (?:number|integer) to be greater than (\S+)$/, 'exclusiveMinimum'],
];

/** The issue an English `path: sentence` (`units/car-01/members/3: Expected …`) names, or null. */
function issueOfSentence(detail: string): ValidationIssue | null {
  const split = /^([^\s:]*): (.+)$/s.exec(detail.trim());
  if (!split) return null;
  // `explainEntry` starts with the collection and the record's key, which are no fields; a schema
  // path (`/members/3`) starts with a slash.
  const where = split[1]!;
  const path = where.startsWith('/') ? where : `/${where.split('/').slice(2).join('/')}`;
  const message = split[2]!.trim();
  for (const [pattern, kind] of SENTENCES) {
    const m = pattern.exec(message);
    if (m) return { path, kind, ...(m[1] === undefined ? {} : { limit: Number(m[1]) }), message };
  }
  return { path, kind: 'unknown', message };
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
 * or null when no issue names a field of the UI. `issues` (structure: path, keyword, limit) decide;
 * without them, `detail`, the English `path: sentence`, is parsed as a fallback (see `SENTENCES`).
 */
export function describeValidation(detail: string, issues?: readonly ValidationIssue[]): string | null {
  const found = issues ?? [issueOfSentence(detail)].filter((i) => i !== null);
  for (const issue of found) {
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
  const known = describeValidation(detail, issues);
  if (known) return known;
  const cut = cutDetail(detail);
  return cut ? i18n.t('validation.invalid', { detail: cut }) : i18n.t('validation.invalidPlain');
}
