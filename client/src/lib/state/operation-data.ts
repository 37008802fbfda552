import type { DispatchSettings, OperationKind, OperationStatus } from '@jointmap/shared';
import { transientFailure } from './backoff.ts';
import { NeighbourCounties } from './neighbour-counties.svelte.ts';
import {
  operationCopyKey,
  readContextCopy,
  readOperationCopy,
  saveContextCopy,
  saveOperationCopy,
} from './operation-copies.ts';
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
  /**
   * Neighbouring counties, WGS-84. Reactive: when they could not be fetched, the kept copy (or none)
   * until a later attempt brings them ({@link NeighbourCounties}).
   */
  readonly context: GeoJSON.FeatureCollection;
  /** True when served from the local copy because the server could not be reached. */
  fromCache: boolean;
}

const CONTEXT_PATH = '/api/basemap/context.geojson';

/**
 * How long the server may take to answer when the kept copy could be drawn instead: a link that
 * swallows requests without failing them (a cut cable, a dead radio link) must not hang the page.
 */
export const COPY_ANSWER_WAIT_MS = 5_000;
/**
 * …and when there is no copy: a slow link still loads, a dead one is asked again (`keepTrying`)
 * rather than waited on for the minutes the browser would.
 */
export const ANSWER_WAIT_MS = 30_000;

/**
 * The operation, its station jurisdictions and the neighbouring counties. Kept in localStorage so
 * a reload while offline still draws the map (`saveOperationCopy`: least recently used copies
 * evicted when space runs out); refreshed from the server whenever it answers. Counties that could
 * not be fetched are not kept as none: the kept ones (or none) are drawn and asked for again, until
 * `until` is aborted: the page or component that asked for the operation aborts it when it goes.
 */
export async function loadOperationData(
  session: Session,
  operationId: string,
  until?: AbortSignal,
): Promise<OperationData> {
  const userId = session.user?.id ?? 'anon';
  const wait = hasCopy(userId, operationId) ? COPY_ANSWER_WAIT_MS : ANSWER_WAIT_MS;
  try {
    const id = encodeURIComponent(operationId);
    const [view, jurisdictions, context] = await Promise.all([
      getWithin<OperationView>(session, `/api/operations/${id}`, wait),
      getWithin<GeoJSON.FeatureCollection>(session, `/api/operations/${id}/jurisdictions.geojson`, wait),
      getWithin<GeoJSON.FeatureCollection>(session, CONTEXT_PATH, wait).catch((err: unknown) => ({ failed: err })),
    ]);
    const fetched = 'failed' in context ? null : context;
    saveOperationCopy(userId, operationId, { view, jurisdictions, context: fetched });
    const counties = new NeighbourCounties(fetched ?? readContextCopy() ?? emptyCollection());
    const kept = (c: GeoJSON.FeatureCollection) => saveContextCopy(userId, operationId, c);
    if ('failed' in context && transientFailure(context.failed)) retryCounties(session, counties, kept, until);
    return dataOf(view, jurisdictions, counties, false);
  } catch (err) {
    // Only no answer (a network failure, or none in time) falls back to the copy; a refusal (404,
    // 403) is shown as such.
    if (!(err instanceof TypeError)) throw err;
    const copy = readOperationCopy<OperationView>(userId, operationId);
    if (!copy) throw err;
    const counties = new NeighbourCounties(copy.context);
    // Never fetched on this device: asked for until the server answers again.
    if (!copy.context.features.length)
      retryCounties(session, counties, (c) => saveContextCopy(userId, operationId, c), until);
    return dataOf(copy.view, copy.jurisdictions, counties, true);
  }
}

/**
 * Ask for the counties again until they come; stops once the session has ended (or changed hands),
 * or `until` is aborted (whoever asked for them is gone; already, if it went while they loaded).
 */
function retryCounties(
  session: Session,
  counties: NeighbourCounties,
  arrived: (c: GeoJSON.FeatureCollection) => void,
  until: AbortSignal | undefined,
): void {
  if (until?.aborted) return;
  const user = session.user?.id;
  const stop = counties.retry(
    () =>
      session.user?.id === user
        ? getWithin<GeoJSON.FeatureCollection>(session, CONTEXT_PATH, ANSWER_WAIT_MS)
        : Promise.reject(new Error('signed out meanwhile')),
    arrived,
  );
  until?.addEventListener('abort', stop, { once: true });
}

/**
 * `session.get`, given up after `ms`: no answer in time fails as no answer at all does, with a
 * TypeError (what `fetch` rejects with offline), so the offline copy, the retries
 * (`transientFailure`) and the message ("cannot reach the server") are those of a dead link.
 */
async function getWithin<T>(session: Session, path: string, ms: number): Promise<T> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')), ms);
  try {
    return await session.get<T>(path, { signal: deadline.signal });
  } catch (err) {
    if (deadline.signal.aborted) throw new TypeError(`${path}: no answer within ${ms / 1000} s`, { cause: err });
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Whether a copy of the operation is kept for this user (read only if the server does not answer). */
function hasCopy(userId: string, operationId: string): boolean {
  try {
    return localStorage.getItem(operationCopyKey(userId, operationId)) !== null;
  } catch {
    return false; // storage unavailable: nothing was kept either
  }
}

function dataOf(
  view: OperationView,
  jurisdictions: GeoJSON.FeatureCollection,
  counties: NeighbourCounties,
  fromCache: boolean,
): OperationData {
  return {
    view,
    jurisdictions,
    get context() {
      return counties.current;
    },
    fromCache,
  };
}

export function emptyCollection(): GeoJSON.FeatureCollection {
  return { type: 'FeatureCollection', features: [] };
}
