import { i18n } from '../../i18n/i18n.svelte.ts';

/**
 * "约 4 分钟": whole minutes rounded up, so a unit shown as 3 minutes is inside the 3-minute ring
 * (the rings count `etaSeconds ≤ minutes × 60`).
 */
export function formatEta(etaSeconds: number | null): string {
  if (etaSeconds === null || !Number.isFinite(etaSeconds)) return i18n.t('dispatch.eta.none');
  if (etaSeconds < 60) return i18n.t('dispatch.eta.underMinute');
  const minutes = Math.ceil(etaSeconds / 60);
  if (minutes < 120) return i18n.t('dispatch.eta.minutes', { n: minutes });
  return i18n.t('dispatch.eta.hours', { h: Math.floor(minutes / 60), m: minutes % 60 });
}

/** "850 米" below a kilometre, "3.2 公里" above (whole kilometres from 100 km). */
export function formatDistance(metres: number | null): string {
  if (metres === null) return i18n.t('dispatch.eta.none');
  if (metres < 1000) return i18n.t('dispatch.distance.m', { n: Math.round(metres / 10) * 10 });
  const km = metres / 1000;
  return i18n.t('dispatch.distance.km', { n: km < 100 ? km.toFixed(1) : Math.round(km) });
}
