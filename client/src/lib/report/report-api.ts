import type { OperationReport, ReportMapData } from '@jointmap/shared';
import { session } from '../state/session.svelte.ts';

export const loadReportMap = (operationId: string) =>
  session.get<ReportMapData>(`/api/operations/${encodeURIComponent(operationId)}/report/map`);

export const loadReport = (operationId: string) =>
  session.get<OperationReport>(`/api/operations/${encodeURIComponent(operationId)}/report`);

/** 1 h 05 min / 12 min 30 s / 45 s / — */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
