import { session } from '../state/session.svelte.ts';
import { authHeader } from '../state/download.ts';

export interface RetentionRunView {
  startedAt: number;
  finishedAt: number | null;
  unitsTotal: number;
  unitsDone: number;
  thinRemoved: number;
  dropped: number;
  /** Why the run failed (the server's message); null when it went through or was stopped by a shutdown. */
  error: string | null;
}

/** `GET /api/retention` (commanders): policy, runs, store sizes, free disk. */
export interface RetentionStatusView {
  policy: { fullDays: number; keepDays: number; toleranceM: number };
  running: RetentionRunView | null;
  lastRun: RetentionRunView | null;
  storage: {
    stores: { store: string; bytes: number; rows: number | null }[];
    bytesPerFix: number | null;
    bytesPerUpdate: number | null;
  } | null;
  disk: { freeBytes: number | null; warnBelowBytes: number; low: boolean };
}

export interface OperationRetentionView extends RetentionStatusView {
  operationId: string;
  hold: { keptBy: string; keptByName: string; keptAt: number } | null;
}

export const retentionStatus = () => session.get<RetentionStatusView>('/api/retention');
export const operationRetention = (operationId: string) =>
  session.get<OperationRetentionView>(`/api/operations/${encodeURIComponent(operationId)}/retention`);

export async function send<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: {
      ...authHeader(),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json: unknown = await res.json().catch(() => ({}));
  if (!res.ok) throw session.errorOf(res, json);
  return json as T;
}

/** Set or lift the operation's evidence hold (commanders only). */
export const setHold = (operationId: string, kept: boolean) =>
  send<OperationRetentionView>('PUT', `/api/operations/${encodeURIComponent(operationId)}/hold`, { kept });
export const runRetention = () => send<{ status: RetentionStatusView }>('POST', '/api/retention/run');

/** 1.5 GB / 320 MB / 12 KB. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}
