import { bboxOf } from '../map/geometry.ts';

export type HitKind = 'station' | 'unit' | 'annotation' | 'task';
/** [west, south, east, north], WGS-84; a point is a box of no size. */
export type Box = [number, number, number, number];

/** One thing the map search can find. `box` is null when it has no place yet (a unit with no fix). */
export interface SearchCandidate {
  kind: HitKind;
  /** Unique within its kind (station id, unit key, annotation fid, task id). */
  id: string;
  label: string;
  /** Other words it is found by (a station's short name, a unit's members) and shown under it. */
  aliases: string[];
  box: Box | null;
}

export interface SearchHit extends SearchCandidate {
  /** Lower is better: exact, then prefix, then word prefix, then substring; then kind, then label. */
  score: number;
}

const KIND_ORDER: Record<HitKind, number> = { unit: 0, station: 1, task: 2, annotation: 3 };

/** Full-width to ASCII, lower case, inner spaces kept single: how both sides are compared. */
export function normalizeQuery(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

function matchScore(q: string, text: string): number | null {
  const t = normalizeQuery(text);
  if (t === q) return 0;
  if (t.startsWith(q)) return 1;
  if (t.split(/[\s\-_·/（）()]+/).some((w) => w.startsWith(q))) return 2;
  if (t.includes(q)) return 3;
  return null;
}

/**
 * The best `limit` candidates for a query, best first: a label match beats an alias match of the
 * same kind, and among equals units come before stations, tasks and annotations.
 *
 * @example
 * rankHits('巡逻', candidates) // units 禹越巡逻1组, 禹越巡逻2组, then a task titled 配合巡逻…
 */
export function rankHits(query: string, candidates: readonly SearchCandidate[], limit = 8): SearchHit[] {
  const q = normalizeQuery(query);
  if (q === '') return [];
  const hits: SearchHit[] = [];
  for (const c of candidates) {
    const own = matchScore(q, c.label);
    const alias = c.aliases.reduce<number | null>((best, a) => {
      const s = matchScore(q, a);
      return s === null ? best : best === null ? s + 0.5 : Math.min(best, s + 0.5);
    }, null);
    const s = own === null ? alias : alias === null ? own : Math.min(own, alias);
    if (s !== null) hits.push({ ...c, score: s * 10 + KIND_ORDER[c.kind] });
  }
  hits.sort((a, b) => a.score - b.score || a.label.localeCompare(b.label, 'zh-CN'));
  return hits.slice(0, limit);
}

/** The box around any GeoJSON geometry (or nested coordinates), null when it has none. */
export function boxOf(geometry: { coordinates?: unknown } | null | undefined): Box | null {
  const b = bboxOf(geometry?.coordinates);
  return Number.isFinite(b[0]) ? b : null;
}

export const pointBox = (p: readonly [number, number]): Box => [p[0], p[1], p[0], p[1]];

/** The smallest box containing every feature of a collection whose `stationId` property is `id`. */
export function stationBox(jurisdictions: GeoJSON.FeatureCollection, id: string): Box | null {
  const coords = jurisdictions.features
    .filter((f) => f.properties?.['stationId'] === id)
    .map((f) => (f.geometry as { coordinates?: unknown } | null)?.coordinates);
  return boxOf({ coordinates: coords });
}
