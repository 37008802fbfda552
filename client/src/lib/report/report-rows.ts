import type { OperationReport, ReportTask } from '@jointmap/shared';
import { i18n } from '../i18n/i18n.svelte.ts';
import { formatDuration } from './format-duration.ts';

type Unit = Pick<OperationReport['units'][number], 'stationId' | 'unitId' | 'callsign'>;

/**
 * How a task of the report came out, in the UI's language: resolved (办结, by its raiser's close or
 * its target's answer) or cancelled, with the time it ended and how long after it was raised; a task
 * that has not ended gives its status instead (`未结束（已接单）`). Read in markup it follows a
 * language switch.
 */
export function taskOutcome(task: Pick<ReportTask, 'status' | 'endedAt' | 'raisedAt'>): string {
  if (task.endedAt !== null && (task.status === 'resolved' || task.status === 'cancelled'))
    return i18n.t('report.outcome.ended', {
      outcome: i18n.t(`report.outcome.${task.status}`),
      time: i18n.formatDateTime(task.endedAt),
      after: formatDuration(task.endedAt - task.raisedAt),
    });
  return i18n.t('report.outcome.notEnded', { status: i18n.t(`task.status.${task.status}`) });
}

/**
 * Callsigns of the report's units by station and id, to name the units of alerts and sectors as the
 * units table does. A unit of another station, or unknown to the report, is found by its id alone,
 * else named by its id.
 */
export function unitNamer(units: readonly Unit[]): (unitId: string, stationId?: string | null) => string {
  const byKey = new Map(units.map((u) => [`${u.stationId}/${u.unitId}`, u.callsign]));
  const byId = new Map<string, string>();
  for (const u of units) if (!byId.has(u.unitId)) byId.set(u.unitId, u.callsign);
  return (unitId, stationId) => (stationId && byKey.get(`${stationId}/${unitId}`)) || byId.get(unitId) || unitId;
}

/**
 * How far a unit drove, in the UI's language as the measuring tools say it (`len.*`): `12.3 公里`,
 * `850 米` (English: `12.3 km`, `850 m`). Read in markup it follows a language switch.
 */
export function drivenDistance(metres: number): string {
  return metres >= 1000
    ? i18n.t('len.km', { v: (metres / 1000).toFixed(1) })
    : i18n.t('len.m', { v: Math.round(metres) });
}
