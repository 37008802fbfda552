import type { AlertRule } from '@jointmap/shared';
import type { RuleDraft } from './rule-draft.ts';

/** Metres per pixel at zoom 0 on the equator (512-px tiles, as MapLibre draws them). */
const EQUATOR_M_PER_PX_Z0 = 40_075_016.686 / 512;

/**
 * The on-screen width, at zoom 0, of a band `widthM` wide at latitude `lat`: a line layer scales it
 * by 2^zoom, so the band keeps its true width in metres at every zoom (a corridor drawn as its
 * buffer without computing the buffer polygon).
 */
export function bandPxAtZoom0(widthM: number, lat: number): number {
  return widthM / (EQUATOR_M_PER_PX_Z0 * Math.cos((lat * Math.PI) / 180));
}

/**
 * Rule geometries for the map (WGS-84): zones as `zone` polygons, speed and stop areas as `area`
 * polygons, corridors as `corridor` lines carrying their band width. Disabled rules are kept but
 * flagged so they draw faded.
 */
export function ruleFeatures(rules: ReadonlyArray<{ scope: string; record: AlertRule }>): GeoJSON.FeatureCollection {
  const features: GeoJSON.Feature[] = [];
  for (const { scope, record: r } of rules) {
    const props = { id: r.id, scope, name: r.name, type: r.type, enabled: r.enabled };
    if (r.type === 'zone') {
      features.push({
        type: 'Feature',
        geometry: r.polygon as GeoJSON.Polygon,
        properties: { ...props, role: 'zone' },
      });
    } else if ((r.type === 'speed' || r.type === 'stop') && r.area) {
      features.push({ type: 'Feature', geometry: r.area as GeoJSON.Polygon, properties: { ...props, role: 'area' } });
    } else if (r.type === 'corridor') {
      const coords = r.line.coordinates;
      const lat = coords.reduce((sum, c) => sum + c[1], 0) / coords.length;
      features.push({
        type: 'Feature',
        geometry: r.line as GeoJSON.LineString,
        properties: { ...props, role: 'corridor', bandZ0: bandPxAtZoom0(r.widthM, lat) },
      });
    }
  }
  return { type: 'FeatureCollection', features };
}

/** The shape of a rule being edited (not yet saved), drawn like a saved one of its type. */
export function draftFeatures(draft: RuleDraft | null): GeoJSON.Feature[] {
  if (!draft) return [];
  const props = { id: draft.id ?? '', scope: draft.scope, name: draft.name, type: draft.type, enabled: true };
  if (draft.type === 'corridor' && draft.line && draft.line.coordinates.length >= 2) {
    const coords = draft.line.coordinates;
    const lat = coords.reduce((sum, c) => sum + c[1]!, 0) / coords.length;
    const width = draft.widthM !== null && draft.widthM >= 5 && draft.widthM <= 5000 ? draft.widthM : 5;
    return [
      {
        type: 'Feature',
        geometry: draft.line,
        properties: { ...props, role: 'corridor', bandZ0: bandPxAtZoom0(width, lat) },
      },
    ];
  }
  if ((draft.type === 'zone' || draft.type === 'speed' || draft.type === 'stop') && draft.polygon)
    return [
      {
        type: 'Feature',
        geometry: draft.polygon,
        properties: { ...props, role: draft.type === 'zone' ? 'zone' : 'area' },
      },
    ];
  return [];
}
