import { session } from '../state/session.svelte.ts';
import { send } from './retention-api.ts';
import { attachmentName, authHeader, saveBlob } from '../state/download.ts';

/** An archive the server wrote of a closed operation (`GET /api/operations/:id/archives`). */
export interface ArchiveRecordView {
  id: string;
  operationId: string;
  file: string;
  bytes: number;
  sha256: string;
  createdAt: number;
  createdBy: string;
  counts: { updates?: number; fixes?: number; alerts?: number };
  /**
   * The server instance that wrote the file (`host:ARCHIVE_DIR`); another instance that does not
   * share that directory answers its download and purge with `ARCHIVE_ELSEWHERE`.
   */
  instance?: string | null;
}

const opPath = (operationId: string) => `/api/operations/${encodeURIComponent(operationId)}`;

export const closeOperation = (operationId: string) => send<unknown>('POST', `${opPath(operationId)}/close`);
export const listArchives = (operationId: string) =>
  session.get<{ archives: ArchiveRecordView[] }>(`${opPath(operationId)}/archives`).then((r) => r.archives);
export const createArchive = (operationId: string) =>
  send<ArchiveRecordView>('POST', `${opPath(operationId)}/archives`);
export const purgeOperation = (operationId: string, archiveId: string, sha256: string) =>
  send<unknown>('POST', `${opPath(operationId)}/purge`, { archiveId, sha256 });

/**
 * Download an archive as the browser saves it, and its SHA-256 as computed here from the bytes
 * received (null where the page has no Web Crypto: plain http off localhost).
 */
export async function downloadArchive(record: ArchiveRecordView): Promise<{ sha256: string | null }> {
  const res = await fetch(`${opPath(record.operationId)}/archives/${record.id}/file`, { headers: authHeader() });
  if (!res.ok) throw session.errorOf(res, await res.json().catch(() => ({})));
  const blob = await res.blob();
  const subtle = globalThis.crypto?.subtle;
  const sha256 = subtle
    ? [...new Uint8Array(await subtle.digest('SHA-256', await blob.arrayBuffer()))]
        .map((b) => b.toString(16).padStart(2, '0'))
        .join('')
    : null;
  saveBlob(blob, attachmentName(res.headers.get('content-disposition'), record.file));
  return { sha256 };
}

/** Upload an archive file to restore it here (read-only); resolves with the restored operation's id. */
export async function restoreArchive(file: File): Promise<{ id: string; name: string }> {
  const res = await fetch('/api/archives/restore', {
    method: 'POST',
    headers: { ...authHeader(), 'content-type': 'application/gzip' },
    body: file,
  });
  const json = (await res.json().catch(() => ({}))) as { operation?: { id: string; name: string } };
  if (!res.ok || !json.operation) throw session.errorOf(res, json);
  return json.operation;
}
