import type { Annotation } from '@jointmap/shared';
import { attachmentName, authHeader, saveBlob } from '../state/download.ts';
import { session } from '../state/session.svelte.ts';

export type ImportCrs = 'wgs84' | 'gcj02';
export type ExportFormat = 'geojson' | 'kml' | 'gpx';

/** What the server made of a file (`POST /api/operations/:id/import`). */
export interface ImportResult {
  format: 'geojson' | 'kml' | 'kmz' | 'gpx';
  crs: ImportCrs;
  scope: string;
  applied: boolean;
  annotations: Annotation[];
  skipped: Record<string, number>;
  simplified: number;
  bbox: [number, number, number, number] | null;
}

/** Preview (`apply` false: nothing written) or apply a GeoJSON/KML/KMZ/GPX file. */
export async function importFile(
  operationId: string,
  file: Blob,
  options: { scope: string; crs: ImportCrs; apply: boolean },
): Promise<ImportResult> {
  const query = new URLSearchParams({
    scope: options.scope,
    crs: options.crs,
    ...(options.apply ? { apply: '1' } : {}),
  });
  const res = await fetch(`/api/operations/${encodeURIComponent(operationId)}/import?${query}`, {
    method: 'POST',
    headers: { ...authHeader(), 'content-type': 'application/octet-stream' },
    body: file,
  });
  const json: unknown = await res.json().catch(() => ({}));
  if (!res.ok) throw session.errorOf(res, json);
  return json as ImportResult;
}

/** Fetch a file of our API with the token and hand it to the browser as a download. */
export async function downloadFile(path: string): Promise<void> {
  const res = await fetch(path, { headers: authHeader() });
  if (!res.ok) throw session.errorOf(res, await res.json().catch(() => ({})));
  saveBlob(await res.blob(), attachmentName(res.headers.get('content-disposition'), 'export'));
}

export const exportPath = (operationId: string, what: 'annotations' | 'sectors', format: ExportFormat) =>
  `/api/operations/${encodeURIComponent(operationId)}/export?${new URLSearchParams({ what, format })}`;

export const trackExportPath = (stationId: string, unitId: string, from: number, to: number, format: ExportFormat) =>
  `/api/units/${encodeURIComponent(unitId)}/track?${new URLSearchParams({
    stationId,
    from: String(from),
    to: String(to),
    format,
  })}`;
