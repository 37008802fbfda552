/** Storage retention and disk figures as the console mounts them (commanders only). */
export { default as RetentionSettings } from './RetentionSettings.svelte';
export { default as DiskBanner } from './DiskBanner.svelte';
