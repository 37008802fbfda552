/** The tasks feature as the pages mount it. */
export { default as TaskLayer } from './TaskLayer.svelte';
export { default as TasksAside } from './TasksAside.svelte';
