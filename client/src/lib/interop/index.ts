/** Importing files of other tools and exporting ours, as the console mounts it. */
export { default as InteropMenu } from './InteropMenu.svelte';
export { default as ImportPanel } from './ImportPanel.svelte';
export { default as ImportLayer } from './ImportLayer.svelte';
export { downloadFile, trackExportPath } from './interop-api.ts';
