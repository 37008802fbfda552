/**
 * The copies of operation data (`loadOperationData`) kept in localStorage so that a reload while
 * offline still draws the map. The neighbouring counties, the same for every operation, are kept
 * once; each operation's copy holds its view and jurisdictions and when it was last used. When
 * localStorage is full, the copies used least recently are evicted until the new one fits: the
 * operation open now always keeps its copy if anything can.
 */

const PREFIX = 'jointmap.opdata.';
/** The neighbouring counties (`/api/basemap/context.geojson`): one copy for every operation and user. */
const CONTEXT_KEY = 'jointmap.opcontext';

/** The localStorage key of a user's copy of an operation's data. */
export const operationCopyKey = (userId: string, operationId: string) => `${PREFIX}${userId}.${operationId}`;

export interface OperationCopy<V> {
  view: V;
  jurisdictions: GeoJSON.FeatureCollection;
  context: GeoJSON.FeatureCollection;
}

interface StoredCopy<V> {
  view: V;
  jurisdictions: GeoJSON.FeatureCollection;
  /** When it was last saved or read (ms): the least recent goes first when space runs out. */
  usedAt?: number;
  /** Copies written by earlier versions carried the counties themselves. */
  context?: GeoJSON.FeatureCollection;
}

/**
 * Keep a copy of an operation's data; `context` null keeps the counties kept already (they could
 * not be fetched: an empty stand-in must not replace them). Returns false (and logs why) when it
 * could not be kept even after evicting every other operation's copy: the next offline reload will
 * need the server.
 */
export function saveOperationCopy<V>(
  userId: string,
  operationId: string,
  copy: Omit<OperationCopy<V>, 'context'> & { context: GeoJSON.FeatureCollection | null },
): boolean {
  const key = operationCopyKey(userId, operationId);
  const stored: StoredCopy<V> = { view: copy.view, jurisdictions: copy.jurisdictions, usedAt: Date.now() };
  if (!setEvicting(key, JSON.stringify(stored), key)) {
    console.warn(`jointmap: no room in localStorage for the offline copy of operation ${operationId}`);
    return false;
  }
  const context = copy.context && JSON.stringify(copy.context);
  if (context && read(CONTEXT_KEY) !== context && !setEvicting(CONTEXT_KEY, context, key))
    console.warn('jointmap: no room in localStorage for the offline copy of the neighbouring counties');
  return true;
}

/** The kept copy of an operation's data (null: none), marked as used just now. */
export function readOperationCopy<V>(userId: string, operationId: string): OperationCopy<V> | null {
  const key = operationCopyKey(userId, operationId);
  const raw = read(key);
  if (!raw) return null;
  const stored = JSON.parse(raw) as StoredCopy<V>;
  const shared = read(CONTEXT_KEY);
  const context =
    stored.context ??
    (shared ? (JSON.parse(shared) as GeoJSON.FeatureCollection) : { type: 'FeatureCollection', features: [] });
  if (!stored.context) setEvicting(key, JSON.stringify({ ...stored, usedAt: Date.now() }), key);
  return { view: stored.view, jurisdictions: stored.jurisdictions, context };
}

/**
 * Keep the neighbouring counties (fetched after the operation's copy was saved) for every
 * operation; `operationId`'s copy is never evicted to make room.
 */
export function saveContextCopy(userId: string, operationId: string, context: GeoJSON.FeatureCollection): void {
  if (!setEvicting(CONTEXT_KEY, JSON.stringify(context), operationCopyKey(userId, operationId)))
    console.warn('jointmap: no room in localStorage for the offline copy of the neighbouring counties');
}

/** The kept copy of the neighbouring counties (null: none), whichever operation stored them. */
export function readContextCopy(): GeoJSON.FeatureCollection | null {
  const shared = read(CONTEXT_KEY);
  try {
    return shared ? (JSON.parse(shared) as GeoJSON.FeatureCollection) : null;
  } catch {
    return null;
  }
}

/** Delete every user's copy of these operations (their data was purged on the server). */
export function forgetOperationCopies(operationIds: readonly string[]): void {
  try {
    for (const key of copyKeys()) if (operationIds.some((id) => key.endsWith(`.${id}`))) localStorage.removeItem(key);
  } catch {
    // storage unavailable: nothing kept there either
  }
}

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function copyKeys(): string[] {
  const keys: string[] = [];
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (key?.startsWith(PREFIX)) keys.push(key);
  }
  return keys;
}

/** Write `value`, evicting the least recently used operation copies (never `keep`) while it does not fit. */
function setEvicting(key: string, value: string, keep: string): boolean {
  try {
    for (;;) {
      try {
        localStorage.setItem(key, value);
        return true;
      } catch {
        const victim = leastRecentlyUsed(keep);
        if (!victim) return false;
        localStorage.removeItem(victim);
      }
    }
  } catch {
    return false; // storage unavailable altogether
  }
}

function leastRecentlyUsed(keep: string): string | null {
  let oldest: { key: string; usedAt: number } | null = null;
  for (const key of copyKeys()) {
    if (key === keep) continue;
    let usedAt = 0; // an unreadable copy, or one of an earlier version, goes first
    try {
      usedAt = (JSON.parse(localStorage.getItem(key) ?? '{}') as StoredCopy<unknown>).usedAt ?? 0;
    } catch {
      // unreadable: evicted first
    }
    if (!oldest || usedAt < oldest.usedAt) oldest = { key, usedAt };
  }
  return oldest?.key ?? null;
}
