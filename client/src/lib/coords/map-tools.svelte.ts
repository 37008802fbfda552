import { getContext, setContext } from 'svelte';
import type { Map as MapLibreMap } from 'maplibre-gl';
import type { LngLat } from '@jointmap/shared';
import { DEFAULT_RING_RADII_M } from '@jointmap/shared/geo/measure';
import type { Box } from './map-search.ts';

export type MapToolMode = 'measure' | 'rings' | null;
export type MeasureKind = 'distance' | 'area';

/**
 * The console's map tools outside drawing: the pinned coordinate, the measuring path, the range
 * rings and the last search hit. Nothing here is shared with other users or saved.
 */
export class MapTools {
  /** Set by the layer once the map has loaded; the toolbar's search flies with it. */
  map = $state.raw<MapLibreMap | null>(null);
  #mode = $state<MapToolMode>(null);
  measureKind = $state<MeasureKind>('distance');
  measurePoints = $state.raw<LngLat[]>([]);
  ringCenter = $state.raw<LngLat | null>(null);
  ringRadiiM = $state.raw<readonly number[]>(DEFAULT_RING_RADII_M);
  /** The point the coordinate readout holds when the cursor is off the map (last click or go-to). */
  pinned = $state.raw<LngLat | null>(null);
  /** Where the last search or go-to landed, marked briefly. */
  hit = $state.raw<LngLat | null>(null);
  private hitTimer: ReturnType<typeof setTimeout> | undefined;

  /** The active tool. Leaving 测量 drops its measurement; range rings stay until cleared. */
  get mode(): MapToolMode {
    return this.#mode;
  }

  set mode(mode: MapToolMode) {
    if (this.#mode === 'measure' && mode !== 'measure') this.measurePoints = [];
    this.#mode = mode;
  }

  toggle(mode: Exclude<MapToolMode, null>): void {
    this.mode = this.mode === mode ? null : mode;
  }

  /** A click on the map while a tool is active. */
  click(p: LngLat): void {
    if (this.mode === 'measure') this.measurePoints = [...this.measurePoints, p];
    else if (this.mode === 'rings') this.ringCenter = p;
  }

  undoPoint(): void {
    this.measurePoints = this.measurePoints.slice(0, -1);
  }

  clear(): void {
    if (this.mode === 'measure') this.measurePoints = [];
    if (this.mode === 'rings') this.ringCenter = null;
  }

  /** Fly to a box (a point is a box of no size) and mark its centre for a few seconds. */
  flyTo(box: Box, minZoom = 15): void {
    const map = this.map;
    if (!map) return;
    const [w, s, e, n] = box;
    const center = [(w + e) / 2, (s + n) / 2] as unknown as LngLat;
    if (w === e && s === n) map.flyTo({ center: [w, s], zoom: Math.max(map.getZoom(), minZoom), duration: 800 });
    else map.fitBounds([w, s, e, n], { padding: 60, maxZoom: minZoom, duration: 800 });
    this.hit = center;
    clearTimeout(this.hitTimer);
    this.hitTimer = setTimeout(() => (this.hit = null), 4000);
  }
}

const KEY = Symbol('map-tools');

/** Created by the console page; the toolbar buttons, the readout and the layer find it here. */
export function provideMapTools(): MapTools {
  const tools = new MapTools();
  setContext(KEY, tools);
  return tools;
}

export function getMapTools(): MapTools {
  const tools = getContext<MapTools | undefined>(KEY);
  if (!tools) throw new Error('map tools used outside the console');
  return tools;
}
