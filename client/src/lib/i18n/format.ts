import { chinaDay } from '@jointmap/shared';
import { chinaTimeFormat } from './china-time.ts';
/** The UI languages: zh-CN (the default) and English. */
export type Locale = 'zh-CN' | 'en';

/**
 * Wording that follows a number (English: "1 drawing", "2 drawings"): `one` when the number in the
 * `by` param (default `count`) is singular under the locale's plural rules, `other` otherwise.
 * Chinese nouns do not inflect, so only English messages need it.
 */
export interface Plural {
  readonly by?: string;
  readonly one: string;
  readonly other: string;
}

/** A message: text with `{name}` placeholders, or its plural forms. */
export type Message = string | Plural;

export type MessageParams = Record<string, string | number>;

const pluralRules = new Map<Locale, Intl.PluralRules>();

function rulesOf(locale: Locale): Intl.PluralRules {
  let rules = pluralRules.get(locale);
  if (!rules) pluralRules.set(locale, (rules = new Intl.PluralRules(locale)));
  return rules;
}

/** Pick the message's form for the locale and fill its `{name}` placeholders (unknown ones stay as written). */
export function formatMessage(locale: Locale, message: Message, params: MessageParams = {}): string {
  const text =
    typeof message === 'string'
      ? message
      : rulesOf(locale).select(Number(params[message.by ?? 'count'])) === 'one'
        ? message.one
        : message.other;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

/**
 * A moment of an operation as a China time of day (`HH:mm`) when it falls on the same day as
 * `now`, else with its day in front (`12月2日 07:58`, `12/2 07:58`): operations run for days, and a
 * bare time from yesterday reads as today.
 */
export function formatStamp(locale: Locale, ms: number, now: number): string {
  const sameDay = chinaDay(ms) === chinaDay(now);
  return chinaTimeFormat(locale, sameDay ? 'short' : 'dayShort').format(ms);
}
