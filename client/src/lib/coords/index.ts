/** Coordinates, measuring, range rings and the map search, as the console mounts them. */
export { default as CoordTools } from './CoordTools.svelte';
export { default as MapToolButtons } from './MapToolButtons.svelte';
export { default as MapSearch } from './MapSearch.svelte';
export { provideMapTools } from './map-tools.svelte.ts';
