import type { OperationReport, ReportMapData } from '@jointmap/shared';
import { session } from '../state/session.svelte.ts';

export const loadReportMap = (operationId: string) =>
  session.get<ReportMapData>(`/api/operations/${encodeURIComponent(operationId)}/report/map`);

export const loadReport = (operationId: string) =>
  session.get<OperationReport>(`/api/operations/${encodeURIComponent(operationId)}/report`);
