import type { Alert } from '@jointmap/shared';

/**
 * The alerts of an operation as they stood at a moment: those raised (stored) by then, each in the
 * state it had then. An acknowledgement or resolution after the moment is not known yet.
 */
export function alertsAt(alerts: readonly Alert[], at: number): Alert[] {
  const out: Alert[] = [];
  for (const a of alerts) {
    if (a.raisedAt > at) continue;
    const resolved = a.resolvedAt !== null && a.resolvedAt <= at;
    const acknowledged = a.acknowledgedAt !== null && a.acknowledgedAt <= at;
    out.push({
      ...a,
      state: resolved ? 'resolved' : acknowledged ? 'acknowledged' : 'open',
      acknowledgedBy: acknowledged ? a.acknowledgedBy : null,
      acknowledgedAt: acknowledged ? a.acknowledgedAt : null,
      resolvedBy: resolved ? a.resolvedBy : null,
      resolvedAt: resolved ? a.resolvedAt : null,
    });
  }
  return out;
}
