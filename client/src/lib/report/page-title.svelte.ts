import { formatLocalMinute } from '../i18n/local-datetime.ts';
import { i18n } from '../i18n/i18n.svelte.ts';

/**
 * The tab's title, which App puts in `document.title`: the app's name, or the name the page shown
 * gives itself. The print dialog offers the title as the PDF's file name, so each report names
 * itself (`reportTitle`) while it is open.
 */
class PageTitle {
  /** Set by the page shown while it is shown; null: the app's name. */
  own = $state<string | null>(null);
  // The Chinese name with the English one after it, as index.html has it; in English the one name.
  readonly text = $derived(this.own ?? (i18n.locale === 'en' ? i18n.t('app.name') : `${i18n.t('app.name')} JointMap`));
}

export const pageTitle = new PageTitle();

/**
 * The title of an operation's report: its name, the report, and the China-time day it started.
 *
 * @example reportTitle('三县联合搜寻', start) // '三县联合搜寻·复盘报告·2026-12-03'
 */
export function reportTitle(name: string, from: number): string {
  return i18n.t('report.fileTitle', { name, date: formatLocalMinute(from).slice(0, 10) });
}
