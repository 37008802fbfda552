import { en, zhCN, type MessageKey } from './messages.ts';
import { formatMessage, formatStamp, type Locale, type Message, type MessageParams } from './format.ts';
import { chinaTimeFormat } from './china-time.ts';
import { clockNow } from '../state/server-clock.ts';

export type { Locale };
const STORAGE_KEY = 'jointmap.locale';
const tables: Record<Locale, Record<MessageKey, Message>> = { 'zh-CN': zhCN, en };

function initialLocale(): Locale {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored === 'zh-CN' || stored === 'en') return stored;
  } catch {
    // storage may be unavailable (private mode); fall through to the default
  }
  return 'zh-CN';
}

/** The UI language (zh-CN by default, English switchable) and locale-aware formatting. */
export class I18n {
  locale = $state<Locale>(initialLocale());

  /** Look up a message, pick its plural form by the count, and fill `{name}` placeholders. */
  t = (key: MessageKey | (string & {}), params: MessageParams = {}): string =>
    formatMessage(this.locale, tables[this.locale][key as MessageKey] ?? key, params);

  toggle(): void {
    this.set(this.locale === 'zh-CN' ? 'en' : 'zh-CN');
  }

  set(locale: Locale): void {
    this.locale = locale;
    document.documentElement.lang = locale;
    try {
      localStorage.setItem(STORAGE_KEY, locale);
    } catch {
      // not persisted; still switched for this page
    }
  }

  /** A China time of day, `09:15:00` (or `09:15` without seconds). */
  formatTime(ms: number, seconds = true): string {
    return chinaTimeFormat(this.locale, seconds ? 'time' : 'short').format(ms);
  }

  /**
   * `HH:mm` today, with the day in front on another day (`formatStamp`): today by the server's
   * clock (`clockNow`), as the stamps are, not by a PC's that may run minutes off around midnight.
   */
  formatStamp(ms: number, now = clockNow()): string {
    return formatStamp(this.locale, ms, now);
  }

  /** A China-time day with its weekday (`2026年12月3日周四`). */
  formatDate(ms: number): string {
    return chinaTimeFormat(this.locale, 'date').format(ms);
  }

  /** A short China-time date and time (`2026/12/3 09:15`). */
  formatDateTime(ms: number): string {
    return chinaTimeFormat(this.locale, 'dateTime').format(ms);
  }
}

export const i18n = new I18n();
export type { MessageKey };
