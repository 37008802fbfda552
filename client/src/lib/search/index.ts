/** The search feature as the pages mount it. */
export { coverageOf } from './coverage-view.svelte.ts';
export { provideSearchEditor, wallBounds } from './search-ui.svelte.ts';
export { default as SectorLayer } from './SectorLayer.svelte';
export { default as MarkerLayer } from './MarkerLayer.svelte';
export { default as SearchPreviewLayer } from './SearchPreviewLayer.svelte';
export { default as SearchSection } from './SearchSection.svelte';
