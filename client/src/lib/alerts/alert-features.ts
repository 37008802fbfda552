import type { Alert } from '@jointmap/shared';
import { alertColor } from './alert-text.ts';

/**
 * Unresolved alerts as map points at the unit's position when raised (WGS-84), coloured by kind;
 * `open` ones pulse on the map. Resolved alerts are not drawn, nor an SOS of a unit that never
 * reported a position (`evidence.position: 'none'`: its point is no place).
 */
export function alertFeatures(alerts: readonly Alert[]): GeoJSON.FeatureCollection<GeoJSON.Point> {
  return {
    type: 'FeatureCollection',
    features: alerts
      .filter((a) => a.state !== 'resolved' && a.evidence.position !== 'none')
      .map((a) => ({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [a.lngLat[0], a.lngLat[1]] },
        properties: { id: a.id, kind: a.kind, state: a.state, color: alertColor(a.kind), sos: a.kind === 'sos' },
      })),
  };
}
