import type { DispatchSettings, OperationKind, OperationStatus } from '@jointmap/shared';
import { readOperationCopy, saveOperationCopy } from './operation-copies.ts';
import type { Session } from './session.svelte.ts';

export interface StationDetail {
  id: string;
  name: string;
  shortName: string;
  color: string;
  adcode?: string;
}

/** `GET /api/operations/:id` */
export interface OperationView {
  id: string;
  name: string;
  kind: OperationKind;
  status: OperationStatus;
  stations: string[];
  documents: string[];
  stationDetails: StationDetail[];
  createdAt: number;
  /** When it was closed (read-only since), purged after an archive, or restored from one. */
  closedAt?: number | null;
  purgedAt?: number | null;
  restoredAt?: number | null;
  /** Dispatch settings of the server; absent from servers that predate them (use defaults). */
  dispatch?: DispatchSettings;
}

export interface OperationData {
  view: OperationView;
  /** Station jurisdictions, WGS-84. */
  jurisdictions: GeoJSON.FeatureCollection;
  /** Neighbouring counties, WGS-84. */
  context: GeoJSON.FeatureCollection;
  /** True when served from the local copy because the server could not be reached. */
  fromCache: boolean;
}

/**
 * The operation, its station jurisdictions and the neighbouring counties. Kept in localStorage so
 * a reload while offline still draws the map (`saveOperationCopy`: least recently used copies
 * evicted when space runs out); refreshed from the server whenever it answers.
 */
export async function loadOperationData(session: Session, operationId: string): Promise<OperationData> {
  const userId = session.user?.id ?? 'anon';
  try {
    const id = encodeURIComponent(operationId);
    const [view, jurisdictions, context] = await Promise.all([
      session.get<OperationView>(`/api/operations/${id}`),
      session.get<GeoJSON.FeatureCollection>(`/api/operations/${id}/jurisdictions.geojson`),
      session.get<GeoJSON.FeatureCollection>('/api/basemap/context.geojson').catch(() => emptyCollection()),
    ]);
    const data = { view, jurisdictions, context };
    saveOperationCopy(userId, operationId, data);
    return { ...data, fromCache: false };
  } catch (err) {
    // Only a network failure falls back to the copy; a refusal (404, 403) is shown as such.
    if (!(err instanceof TypeError)) throw err;
    const copy = readOperationCopy<OperationView>(userId, operationId);
    if (!copy) throw err;
    return { ...copy, fromCache: true };
  }
}

export function emptyCollection(): GeoJSON.FeatureCollection {
  return { type: 'FeatureCollection', features: [] };
}
