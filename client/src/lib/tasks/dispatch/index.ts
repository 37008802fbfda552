/** The dispatch feature as the pages mount it (the task panel mounts `DispatchPanel` itself). */
export { default as RingLayer } from './RingLayer.svelte';
export { default as ReassignBoard } from './ReassignBoard.svelte';
export { provideDispatchFocus } from './dispatch-focus.svelte.ts';
