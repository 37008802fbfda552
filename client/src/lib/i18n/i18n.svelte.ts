import { en, zhCN, type MessageKey } from './messages.ts';

export type Locale = 'zh-CN' | 'en';
const STORAGE_KEY = 'jointmap.locale';
const tables: Record<Locale, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };

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

  /** Look up a message and fill `{name}` placeholders. */
  t = (key: MessageKey | (string & {}), params: Record<string, string | number> = {}): string => {
    const text = tables[this.locale][key as MessageKey] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
  };

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

  formatTime(ms: number, seconds = true): string {
    return new Intl.DateTimeFormat(this.locale, {
      hour: '2-digit',
      minute: '2-digit',
      ...(seconds ? { second: '2-digit' } : {}),
      hour12: false,
    }).format(ms);
  }

  formatDate(ms: number): string {
    return new Intl.DateTimeFormat(this.locale, {
      year: 'numeric',
      month: 'long',
      day: 'numeric',
      weekday: 'short',
    }).format(ms);
  }

  formatDateTime(ms: number): string {
    return new Intl.DateTimeFormat(this.locale, { dateStyle: 'short', timeStyle: 'short', hour12: false }).format(ms);
  }
}

export const i18n = new I18n();
export type { MessageKey };
