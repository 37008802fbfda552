/** The alerts feature as the pages mount it. */
export { alertsOf } from './alerts-feed.svelte.ts';
export { openAlertByUnit } from './alert-filter.ts';
export { default as AlertList } from './AlertList.svelte';
export { default as AlertLayer } from './AlertLayer.svelte';
export { default as RuleLayer } from './RuleLayer.svelte';
export { default as RulesPanel } from './RulesPanel.svelte';
export { default as WallAlerts } from './WallAlerts.svelte';
export { default as AlertBadge } from './AlertBadge.svelte';
