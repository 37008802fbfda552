import type { Feature, GeoJsonProperties, Geometry } from 'geojson';

/** Line width in pixels when a feature names none: what the console draws annotations with. */
const DEFAULT_WIDTH = 3;

/**
 * The inline `<Style>` of a Placemark, made from the simplestyle properties of its feature
 * (`stroke`, `stroke-opacity`, `stroke-width`, `fill`, `fill-opacity`, `marker-color`), which is
 * what Google Earth draws (it does not read them from `<ExtendedData>`, where they stay too, since
 * `@tmcw/togeojson` reads our colours back from there); '' when the feature has none.
 *
 * @example kmlStyle(feature) === '<Style><LineStyle><color>ff2626dc</color><width>3</width></LineStyle></Style>'
 */
export function kmlStyle(feature: Feature<Geometry | null>): string {
  const p = feature.properties;
  const type = feature.geometry?.type ?? '';
  let style = '';
  const marker = kmlColor(p?.['marker-color'], 1);
  if (marker && type.endsWith('Point')) style += `<IconStyle><color>${marker}</color></IconStyle>`;
  const stroke = kmlColor(p?.stroke, opacity(p, 'stroke-opacity'));
  if (stroke) {
    const width = Number(p?.['stroke-width']);
    style += `<LineStyle><color>${stroke}</color><width>${Number.isFinite(width) && width > 0 ? width : DEFAULT_WIDTH}</width></LineStyle>`;
  }
  const fill = kmlColor(p?.fill, opacity(p, 'fill-opacity'));
  if (fill && type.endsWith('Polygon')) style += `<PolyStyle><color>${fill}</color></PolyStyle>`;
  return style && `<Style>${style}</Style>`;
}

/** An opacity property in [0, 1]; 1 when absent or not a number. */
function opacity(p: GeoJsonProperties, key: string): number {
  const value = Number(p?.[key] ?? 1);
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 1;
}

/**
 * KML's `aabbggrr` from a CSS `#rrggbb` (or `#rgb`) and an opacity; null for anything else.
 *
 * @example kmlColor('#dc2626', 0.2) === '332626dc'
 */
export function kmlColor(css: unknown, alpha: number): string | null {
  if (typeof css !== 'string') return null;
  let hex = css.trim().replace(/^#/, '').toLowerCase();
  if (/^[0-9a-f]{3}$/.test(hex)) hex = [...hex].map((c) => c + c).join('');
  if (!/^[0-9a-f]{6}$/.test(hex)) return null;
  const aa = Math.round(alpha * 255)
    .toString(16)
    .padStart(2, '0');
  return `${aa}${hex.slice(4, 6)}${hex.slice(2, 4)}${hex.slice(0, 2)}`;
}
