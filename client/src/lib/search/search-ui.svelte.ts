import { getContext, setContext } from 'svelte';
import type { Editor } from '../state/editor.svelte.ts';
import type { OperationSession } from '../state/operation-session.svelte.ts';
import type { Position } from '../map/geometry.ts';
import type { Search } from '@jointmap/shared';
import type { SectorProposal } from './search-geometry.ts';
import { activeSearchBounds } from './search-views.ts';

/** What a map click is wanted for while the search section waits for one. */
export type PickPurpose = 'lastKnown' | 'clue' | 'found' | 'foundLocation';

/**
 * The search section's state that the map shows or feeds: the area and sectors being previewed
 * before they are written, the last-known and found points, and a pending "click the map" request.
 * One per open operation, shared by the panel and the preview layer.
 */
export class SearchMapState {
  area = $state.raw<GeoJSON.Polygon | null>(null);
  sectors = $state.raw<readonly SectorProposal[]>([]);
  lastKnown = $state.raw<Position | null>(null);
  foundLocation = $state.raw<Position | null>(null);
  picking = $state.raw<{ purpose: PickPurpose; resolve: (p: Position) => void } | null>(null);

  /** Ask for the next map click (replacing any earlier request). */
  pick(purpose: PickPurpose, resolve: (p: Position) => void): void {
    this.picking = { purpose, resolve };
  }

  /** The map was clicked while a pick was pending: hand over the point. */
  picked(p: Position): void {
    const pending = this.picking;
    this.picking = null;
    pending?.resolve(p);
  }

  cancelPick(): void {
    this.picking = null;
  }

  clearPreview(): void {
    this.area = null;
    this.sectors = [];
    this.lastKnown = null;
  }
}

const states = new WeakMap<OperationSession, SearchMapState>();

export function searchMapOf(session: OperationSession): SearchMapState {
  let s = states.get(session);
  if (!s) states.set(session, (s = new SearchMapState()));
  return s;
}

const EDITOR_KEY = Symbol('search-editor');

/**
 * The console makes its drawing editor available to the search section (to draw a search area
 * with the polygon tool). Call during the page component's initialisation.
 */
export function provideSearchEditor(editorFor: (session: OperationSession) => Editor): void {
  setContext(EDITOR_KEY, editorFor);
}

/** The console's editor for this session, or null where there is none (e.g. the wall). */
export function searchEditor(session: OperationSession): Editor | null {
  const get = getContext<((s: OperationSession) => Editor) | undefined>(EDITOR_KEY);
  return get ? get(session) : null;
}

type Bounds = [number, number, number, number];
const frames = new WeakMap<OperationSession, { key: string; bounds: Bounds | null; fallback: Bounds | null }>();

/**
 * What the wall fits: the running searches (with a margin) while there are any, else `fallback`
 * (the operation area, as given the first time). Reactive; returns the same array while the frame
 * does not change, so the map is not refitted on every record change.
 */
export function wallBounds(session: OperationSession, fallback: Bounds | null): Bounds | null {
  let entry = frames.get(session);
  if (!entry) frames.set(session, (entry = { key: '', bounds: null, fallback }));
  const b = activeSearchBounds(session.commandRecords<Search>('searches'));
  const key = JSON.stringify(b);
  if (key !== entry.key) {
    entry.key = key;
    entry.bounds = b;
  }
  return entry.bounds ?? entry.fallback;
}
