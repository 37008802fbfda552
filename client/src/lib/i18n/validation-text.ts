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

/** TypeBox's sentences (and JSON-schema-style ones) → the message saying the same, with its number. */
const RULES: ReadonlyArray<[RegExp, (n: string) => [MessageKey, Record<string, string>]]> = [
  [/^Expected string length less or equal to (\d+)$/, (n) => ['validation.tooLong', { max: n }]],
  [/^must NOT have more than (\d+) characters$/, (n) => ['validation.tooLong', { max: n }]],
  [
    /^Expected string length greater or equal to (\d+)$/,
    (n) => (n === '1' ? ['validation.empty', {}] : ['validation.tooShort', { min: n }]),
  ],
  [/^Expected array length to be less or equal to (\d+)$/, (n) => ['validation.tooMany', { max: n }]],
  [/^Expected array elements to be unique$/, () => ['validation.duplicate', {}]],
  [/^Expected (?:number|integer) to be less or equal to (\S+)$/, (n) => ['validation.atMost', { n }]],
  [/^Expected (?:number|integer) to be less than (\S+)$/, (n) => ['validation.below', { n }]],
  [/^Expected (?:number|integer) to be greater or equal to (\S+)$/, (n) => ['validation.atLeast', { n }]],
  [/^Expected (?:number|integer) to be greater than (\S+)$/, (n) => ['validation.above', { n }]],
];

/**
 * The field a validation path names: its last segment that is not an array index. A path of
 * `explainEntry` starts with the collection and the record's key (`units/car-01/members/3`), which
 * are no fields; a schema path (`/members/3`) starts with a slash.
 */
function fieldOf(path: string): string | null {
  const segments = path.split('/');
  const own = path.startsWith('/') ? segments : segments.slice(2);
  const field = own.filter((s) => s !== '' && !/^\d+$/.test(s)).at(-1);
  return field && FIELDS.has(field) ? field : null;
}

/**
 * A validation problem of shared (`explainEntry`: `units/car-01/members/3: Expected string length
 * less or equal to 40`) in the UI's language, naming the field (`成员过长（最多 40 个字）`), or null
 * when the field or the problem has no sentence here.
 */
export function describeValidation(detail: string): string | null {
  const split = /^([^\s:]*): (.+)$/s.exec(detail.trim());
  if (!split) return null;
  const field = fieldOf(split[1]!);
  if (!field) return null;
  const label = i18n.t(`validation.field.${field}`);
  const problem = split[2]!.trim();
  for (const [pattern, message] of RULES) {
    const m = pattern.exec(problem);
    if (m) {
      const [key, params] = message(m[1] ?? '');
      return i18n.t(key, { field: label, ...params });
    }
  }
  return i18n.t('validation.fieldInvalid', { field: label, detail: cutDetail(problem) });
}

/**
 * What shared validation refused, as one sentence of the UI's language: the field and its limit
 * when known, else "输入不符合要求" with the (English) detail in parentheses, which helps support.
 *
 * @example error = i18n.t('props.invalid', { problem: validationText(explainEntry(…)!) });
 */
export function validationText(detail: string): string {
  const known = describeValidation(detail);
  if (known) return known;
  const cut = cutDetail(detail);
  return cut ? i18n.t('validation.invalid', { detail: cut }) : i18n.t('validation.invalidPlain');
}
