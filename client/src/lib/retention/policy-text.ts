import type { MessageParams } from '../i18n/format.ts';
import type { MessageKey } from '../i18n/messages.ts';
import type { RetentionStatusView } from './retention-api.ts';

/**
 * The retention policy in words. 0 days means never: tracks never thinned (`fullDays`) or never
 * deleted (`keepDays`), as the retention job reads them.
 */
export function policyText(
  t: (key: MessageKey, params?: MessageParams) => string,
  { fullDays, keepDays, toleranceM }: RetentionStatusView['policy'],
): string {
  const thinning =
    fullDays > 0 ? t('retention.thinned', { full: fullDays, tol: toleranceM }) : t('retention.fullAlways');
  const deletion = keepDays > 0 ? t('retention.deleted', { keep: keepDays }) : t('retention.keptAlways');
  return thinning + deletion;
}
