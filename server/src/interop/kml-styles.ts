import { DOMParser, XMLSerializer, type Document as XmlDocument, type Element as XmlElement } from '@xmldom/xmldom';
import type { Feature, GeoJsonProperties } from 'geojson';

const KML_NS = 'http://www.opengis.net/kml/2.2';

/** Line width in pixels when a feature names none: what the console draws annotations with. */
const DEFAULT_WIDTH = 3;

/**
 * A KML document of `@placemarkio/tokml` with an inline `<Style>` in each Placemark, made from the
 * simplestyle properties of its feature (`stroke`, `stroke-opacity`, `stroke-width`, `fill`,
 * `fill-opacity`, `marker-color`): tokml 0.3.9 writes them only as `<ExtendedData>`, which Google
 * Earth does not draw. The ExtendedData stays, since `@tmcw/togeojson` reads our colours back from it.
 * `features` are those the document was written from, one Placemark each, in order.
 *
 * @example withKmlStyles(toKML(collection), collection.features)
 */
export function withKmlStyles(kml: string, features: readonly Feature[]): string {
  const doc = new DOMParser({ onError: () => {} }).parseFromString(kml, 'text/xml');
  const placemarks = Array.from(doc.getElementsByTagNameNS(KML_NS, 'Placemark'));
  // tokml writes one Placemark per feature; anything else is not a document of ours to style.
  if (placemarks.length !== features.length) return kml;
  placemarks.forEach((placemark, i) => {
    const style = styleOf(doc, features[i]!);
    if (!style) return;
    // KML's schema orders a Placemark's children: its Style comes before ExtendedData and geometry.
    const before = Array.from(placemark.childNodes).find(
      (n) => n.nodeType === 1 && !['name', 'description', 'visibility'].includes((n as XmlElement).localName!),
    );
    placemark.insertBefore(style, before ?? null);
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(doc)}`;
}

function styleOf(doc: XmlDocument, feature: Feature): XmlElement | null {
  const p = feature.properties;
  const type = feature.geometry?.type ?? '';
  const el = (parent: XmlElement, name: string, text?: string): XmlElement => {
    const child = doc.createElementNS(KML_NS, name);
    if (text !== undefined) child.appendChild(doc.createTextNode(text));
    parent.appendChild(child);
    return child;
  };
  const style = doc.createElementNS(KML_NS, 'Style');
  const marker = kmlColor(p?.['marker-color'], 1);
  if (marker && type.endsWith('Point')) el(el(style, 'IconStyle'), 'color', marker);
  const stroke = kmlColor(p?.stroke, opacity(p, 'stroke-opacity'));
  if (stroke) {
    const line = el(style, 'LineStyle');
    el(line, 'color', stroke);
    const width = Number(p?.['stroke-width']);
    el(line, 'width', String(Number.isFinite(width) && width > 0 ? width : DEFAULT_WIDTH));
  }
  const fill = kmlColor(p?.fill, opacity(p, 'fill-opacity'));
  if (fill && type.endsWith('Polygon')) el(el(style, 'PolyStyle'), 'color', fill);
  return style.firstChild ? style : null;
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
