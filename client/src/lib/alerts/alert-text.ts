import type { Alert } from '@jointmap/shared';

type T = (key: string, params?: Record<string, string | number>) => string;

const round = (n: number) => String(Math.round(n));

/** The evidence of an alert as one short line ("86 km/h（限速 60）", "偏离 120 米"), or ''. */
export function evidenceText(a: Alert, t: T): string {
  const e = a.evidence;
  const parts: string[] = [];
  if (e.speedKmh !== undefined)
    parts.push(
      t('alerts.evidence.speed', {
        speed: round(e.speedKmh),
        limit: e.limitKmh === undefined ? '–' : round(e.limitKmh),
      }),
    );
  if (e.distanceM !== undefined && e.distanceM > 0)
    parts.push(
      t(a.kind === 'corridor_leave' ? 'alerts.evidence.distance' : 'alerts.evidence.edge', { m: round(e.distanceM) }),
    );
  if (e.stopMinutes !== undefined) parts.push(t('alerts.evidence.stop', { min: round(e.stopMinutes) }));
  if (e.silentMinutes !== undefined) parts.push(t('alerts.evidence.silent', { min: round(e.silentMinutes) }));
  if (e.alarm) parts.push(t('alerts.evidence.alarm', { alarm: e.alarm }));
  // An alarm sent without a usable position: the map point is not where it was sent from.
  if (e.position) parts.push(t(e.position === 'none' ? 'alerts.evidence.noPosition' : 'alerts.evidence.lastKnown'));
  return parts.join(' · ');
}

/** Map colour of an alert kind (SOS the strongest red). */
export function alertColor(kind: Alert['kind']): string {
  switch (kind) {
    case 'sos':
      return '#dc2626';
    case 'zone_enter':
    case 'zone_exit':
      return '#e11d48';
    case 'corridor_leave':
      return '#ea580c';
    case 'overspeed':
      return '#c026d3';
    case 'long_stop':
      return '#ca8a04';
    case 'signal_loss':
      return '#64748b';
  }
}
