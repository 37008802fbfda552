import {
  unitKey,
  unitKeyOf,
  type Freshness,
  type Unit,
  type UnitKind,
  type UnitPosition,
  type UnitStatus,
} from '@jointmap/shared';

/** Fill colour of a live unit by status; stale units are grey, lost ones hollow. */
export const STATUS_COLORS: Record<UnitStatus, string> = {
  available: '#16a34a',
  en_route: '#d97706',
  on_scene: '#2563eb',
  busy: '#9333ea',
  off_duty: '#64748b',
};
export const STALE_COLOR = '#9ca3af';
export const LOST_COLOR = '#6b7280';

/** One glyph per kind, drawn inside the marker from the bundled font (no sprite); zh-CN default, the UI passes the user's language's. */
export const KIND_GLYPHS: Record<UnitKind, string> = {
  car: '车',
  foot: '步',
  motorbike: '摩',
  drone: '机',
  dog: '犬',
  boat: '船',
};

export interface UnitFeatureProps {
  /** `unitKey(stationId, unitId)`: what selection and the feature id use. */
  key: string;
  unitId: string;
  stationId: string;
  callsign: string;
  /** Callsign, plus the "lost" suffix when lost. */
  label: string;
  kind: string;
  glyph: string;
  status: string;
  freshness: Freshness;
  /** Marker fill (status colour, grey when stale, transparent when lost). */
  fill: string;
  /** Ring colour: the station's. */
  ring: string;
  /** Degrees clockwise from north; -1 when the device sent none (no arrow). */
  bearing: number;
}

/** Roster records by `unitKey`: two stations' `car-01` stay two records (a map by id would merge them). */
export function unitsByKey(units: Iterable<Unit>): Map<string, Unit> {
  const out = new Map<string, Unit>();
  for (const u of units) out.set(unitKey(u.stationId, u.id), u);
  return out;
}

/**
 * The map feature of one unit at its latest fix (WGS-84), with the unit's `unitKey` as feature id.
 * `unit` (the record of the same station and id) may be missing when positions arrive before the
 * roster document has synced; the marker still shows, with the unit id as label.
 */
export function unitFeature(
  position: UnitPosition,
  unit: Unit | undefined,
  freshness: Freshness,
  stationColor: string,
  lostSuffix: string,
  glyphs: Record<UnitKind, string> = KIND_GLYPHS,
): GeoJSON.Feature<GeoJSON.Point, UnitFeatureProps> {
  const status = unit?.status ?? 'available';
  const kind = unit?.kind ?? 'car';
  const callsign = unit?.callsign ?? position.unitId;
  const key = unitKeyOf(position);
  return {
    type: 'Feature',
    id: key,
    geometry: { type: 'Point', coordinates: [position.lngLat[0], position.lngLat[1]] },
    properties: {
      key,
      unitId: position.unitId,
      stationId: position.stationId,
      callsign,
      label: freshness === 'lost' ? `${callsign} ${lostSuffix}` : callsign,
      kind,
      glyph: glyphs[kind],
      status,
      freshness,
      fill: freshness === 'live' ? STATUS_COLORS[status] : freshness === 'stale' ? STALE_COLOR : 'rgba(0,0,0,0)',
      ring: freshness === 'live' ? stationColor : LOST_COLOR,
      bearing: position.bearing ?? -1,
    },
  };
}
