import type { Alert, AlertKind, AlertState } from '@jointmap/shared';

/** The alert list's filter; `''` = any. `unresolved` = open or acknowledged. */
export interface AlertFilter {
  kind: AlertKind | '';
  stationId: string;
  state: AlertState | 'unresolved' | '';
}

export const NO_ALERT_FILTER: AlertFilter = { kind: '', stationId: '', state: '' };

export function matchesAlertFilter(f: AlertFilter, a: Alert): boolean {
  if (f.kind && a.kind !== f.kind) return false;
  if (f.stationId && a.stationId !== f.stationId) return false;
  if (f.state === 'unresolved') return a.state !== 'resolved';
  return !f.state || a.state === f.state;
}

export function filterAlerts(alerts: readonly Alert[], f: AlertFilter): Alert[] {
  return alerts.filter((a) => matchesAlertFilter(f, a));
}

/**
 * The wall's order: open alerts only, SOS first, then the oldest first (the one waiting longest
 * stays at the top).
 */
export function wallAlerts(alerts: readonly Alert[]): Alert[] {
  return alerts
    .filter((a) => a.state === 'open')
    .sort((a, b) => Number(b.kind === 'sos') - Number(a.kind === 'sos') || a.time - b.time || (a.id < b.id ? -1 : 1));
}

/**
 * The newest unresolved alert of each unit (`unitKey` → alert), for the unit boards' badges; an
 * open one wins over an acknowledged one.
 */
export function openAlertByUnit(alerts: readonly Alert[], keyOf: (a: Alert) => string): Map<string, Alert> {
  const out = new Map<string, Alert>();
  for (const a of alerts) {
    if (a.state === 'resolved') continue;
    const key = keyOf(a);
    const held = out.get(key);
    if (!held || (held.state !== 'open' && a.state === 'open') || (held.state === a.state && a.time > held.time))
      out.set(key, a);
  }
  return out;
}
