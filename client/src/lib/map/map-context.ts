import { getContext, setContext } from 'svelte';
import type { Map as MapLibreMap } from 'maplibre-gl';

const KEY = Symbol('maplibre-map');

/** Layer components find the map through context; they are only rendered once it has loaded. */
export function setMapContext(get: () => MapLibreMap): void {
  setContext(KEY, get);
}

export function getMap(): MapLibreMap {
  const get = getContext<(() => MapLibreMap) | undefined>(KEY);
  if (!get) throw new Error('map layer used outside <MapView>');
  return get();
}
