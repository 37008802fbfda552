import { formatArea, formatDistance } from '@jointmap/shared/geo/measure';
import { i18n } from '../i18n/i18n.svelte.ts';

/** A distance in the UI language: `1.23 公里`, `850 米`. */
export function distanceText(m: number): string {
  const d = formatDistance(m);
  return i18n.t(`len.${d.unit}`, { v: d.value });
}

/** An area in the UI language: `2.50 公顷`, `3.46 平方公里`. */
export function areaText(m2: number): string {
  const a = formatArea(m2);
  return i18n.t(`area.${a.unit}`, { v: a.value });
}
