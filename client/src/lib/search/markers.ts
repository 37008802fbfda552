import { COMMAND_STATION_ID, type Annotation, type Search } from '@jointmap/shared';
import { insideSearchArea } from '@jointmap/shared/geo/search-area';
import type { Position } from '../map/geometry.ts';
import type { FoundAt } from './search-writes.ts';

/** Search markers are point annotations with one of these symbols. */
export const MARKER_SYMBOLS = ['clue', 'found'] as const;
export type MarkerSymbol = (typeof MARKER_SYMBOLS)[number];

/** Stored colour of a new marker (what plain annotation views show) and the map's marker fill. */
export const MARKER_COLORS: Record<MarkerSymbol, string> = { clue: '#0284c7', found: '#be123c' };
/** Drawn inside the marker circle; both are in the bundled map font. */
export const MARKER_GLYPHS: Record<MarkerSymbol, string> = { clue: '?', found: '✓' };

export interface MarkerEntry {
  /** Document the marker lives in. */
  scope: string;
  record: Annotation & { symbol: MarkerSymbol };
}

export function isMarker(a: Annotation): a is Annotation & { symbol: MarkerSymbol } {
  return (
    a.kind === 'point' && a.geometry.type === 'Point' && (MARKER_SYMBOLS as readonly string[]).includes(a.symbol ?? '')
  );
}

/** A new clue or found marker at `at`, labelled `label` (the caller's localized word plus a note). */
export function newMarker(
  symbol: MarkerSymbol,
  at: Position,
  label: string,
  author: string,
  now: number,
  id: string,
): Annotation {
  return {
    id,
    kind: 'point',
    geometry: { type: 'Point', coordinates: at },
    label,
    color: MARKER_COLORS[symbol],
    symbol,
    author,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * The found markers offered when `search` ends as found, newest first: those dropped inside its
 * area since it began (or last resumed) before the rest (a person may be found beyond the area, two
 * searches may run at once, and a marker from before the search, e.g. an earlier search of the same
 * place or the find that proved wrong before a resume, is not this one's find), and the one to
 * preselect: the newest of those, else none (the commander picks). Marker and search times are
 * both on the server's clock.
 */
export function foundChoices(
  search: Pick<Search, 'area' | 'createdAt' | 'pauses'>,
  markers: readonly MarkerEntry[],
): { choices: MarkerEntry[]; preselect: MarkerEntry | null } {
  const found = markers.filter((m) => m.record.symbol === 'found');
  const since = search.pauses?.at(-1)?.to ?? search.createdAt;
  const ours = found.filter((m) => {
    const g = m.record.geometry;
    return (
      m.record.createdAt >= since &&
      g.type === 'Point' &&
      insideSearchArea([g.coordinates[0]!, g.coordinates[1]!], search.area)
    );
  });
  const others = found.filter((m) => !ours.includes(m));
  return { choices: [...ours, ...others], preselect: ours[0] ?? null };
}

/**
 * Where and when the person was found, from the found marker the commander confirms: its point
 * (which the caller has read already), its own time (dropped when they were found, not when
 * the search is ended), and the station whose document holds it (none for the command's own marker).
 */
export function foundFromMarker(marker: MarkerEntry, point: Position, note: string): FoundAt {
  return {
    location: point,
    at: marker.record.createdAt,
    unitId: null,
    stationId: marker.scope === COMMAND_STATION_ID ? null : marker.scope,
    note,
  };
}
