import { CST_OFFSET_MS, type Annotation, type Unit, type UnitKind, type UnitPosition } from '@jointmap/shared';
import xmljs from 'xml-js';
import { circleRing } from '../geo/circle-ring.ts';
import { KNOTS_TO_MPS } from '../live/osmand.ts';
import type { CotEvent, CotFeatureInput, NodeCot } from './node-cot.ts';

/**
 * Our records as CoT events, and TAK position events as OsmAnd-style fix parameters. Pure apart
 * from the library (and `now` for shapes). Coordinates are WGS-84 on both sides: the documents and
 * the position store hold WGS-84 (DESIGN §5), as CoT does.
 */

/** uid of a unit's position event (unit ids are unique per station only). */
export const unitUid = (stationId: string, unitId: string): string => `jointmap.unit.${stationId}.${unitId}`;

/** uid of an annotation's shape (annotation ids are unique per document only). */
export const annotationUid = (operationId: string, scope: string, id: string): string =>
  `jointmap.annotation.${operationId}.${scope}.${id}`;

/** MIL-STD-2525 types TAK draws for our unit kinds (all friendly). */
const TYPE_BY_KIND: Record<UnitKind, string> = {
  car: 'a-f-G-E-V-C',
  motorbike: 'a-f-G-E-V-C',
  foot: 'a-f-G-U-C',
  dog: 'a-f-G-U-C',
  drone: 'a-f-A-M-F-Q',
  boat: 'a-f-S-X',
};

/** Shapes are re-sent on every connection and change; this only bounds a forgotten one. */
export const SHAPE_STALE_MS = 24 * 3600_000;

/**
 * How long past now a unit already lost at sending is drawn before it goes stale: TAK drops an
 * event that is stale on arrival, so a client connecting after a unit was lost would never see
 * where it was last heard of.
 */
export const LOST_SHOWN_MS = 60_000;

/** CoT's "unknown" value for hae, ce and le. */
const UNKNOWN = 9_999_999;

/** `2026-11-30 16:05 UTC+8`: an instant in China time, as remarks give it. */
const chinaTime = (time: number): string =>
  `${new Date(time + CST_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ')} UTC+8`;

/**
 * A unit's latest fix as a CoT position event, sent at `now`: stale when the unit would count as
 * lost. A unit already lost then is sent stale {@link LOST_SHOWN_MS} from now, its remarks saying
 * since when it is lost (China time), so that TAK draws it where it was last heard of and greys it.
 */
export function unitEvent(
  lib: NodeCot,
  pos: UnitPosition,
  unit: Unit | undefined,
  stationName: string | undefined,
  lostAfterMs: number,
  now: number,
): CotEvent {
  const time = new Date(pos.time).toISOString();
  const lostAt = pos.time + lostAfterMs;
  const lost = lostAt <= now;
  const remarks = [
    `status: ${unit?.status ?? 'unknown'}`,
    `station: ${stationName ?? pos.stationId}`,
    ...(unit?.members.length ? [`members: ${unit.members.join(', ')}`] : []),
    ...(lost ? [`lost since ${chinaTime(lostAt)}`] : []),
  ].join('; ');
  const feature: CotFeatureInput = {
    id: unitUid(pos.stationId, pos.unitId),
    type: 'Feature',
    properties: {
      type: TYPE_BY_KIND[unit?.kind ?? 'car'],
      how: 'm-g',
      callsign: unit?.callsign ?? pos.unitId,
      time,
      start: time,
      stale: new Date(lost ? now + LOST_SHOWN_MS : lostAt).toISOString(),
      remarks,
      ...(pos.battery !== null ? { status: { battery: String(Math.round(pos.battery)) } } : {}),
    },
    geometry: {
      type: 'Point',
      // Not 0 (sea level) when the tracker gave none: CoT's unknown.
      coordinates: [pos.lngLat[0], pos.lngLat[1], pos.altitude ?? UNKNOWN],
    },
  };
  const cot = lib.CoT.from_geojson(feature);
  const point = cot.raw.event.point?._attributes;
  if (point && pos.accuracy !== null) point.ce = String(pos.accuracy);
  // Written here, not by the library: it leaves out a course or speed of 0 (due north, standing still).
  const track: Record<string, string> = {};
  if (pos.bearing !== null) track.course = String(pos.bearing);
  if (pos.speedMps !== null) track.speed = String(pos.speedMps);
  if (Object.keys(track).length) (cot.raw.event.detail ??= {}).track = { _attributes: track };
  return cot;
}

/** Opacities of our shapes on TAK, as the console draws them. */
const STROKE_OPACITY = 1;
const FILL_OPACITY = 0.25;
/** The library's stroke of lines and polygons (it writes 3 when a feature gives none). */
const STROKE_WEIGHT = 3;

/**
 * `#rrggbb` at an opacity as a CoT colour value: ARGB packed into a signed 32-bit integer, as the
 * library packs the `stroke` and `fill` of lines and polygons.
 *
 * @example cotColor('#dc2626', 1) === '-2349530'
 */
export function cotColor(hex: string, opacity: number): string {
  return String(((opacity * 255) << 24) | Number.parseInt(hex.slice(1), 16));
}

/** An annotation as a CoT shape (points and text as markers, circles as ellipses). */
export function annotationEvent(
  lib: NodeCot,
  operationId: string,
  scope: string,
  a: Annotation,
  now: number,
): CotEvent {
  const time = new Date(now).toISOString();
  const base = {
    how: 'h-g-i-g-o',
    callsign: a.label || a.id,
    time,
    start: time,
    stale: new Date(now + SHAPE_STALE_MS).toISOString(),
    remarks: a.label,
  };
  const id = annotationUid(operationId, scope, a.id);
  const g = a.geometry;
  let feature: CotFeatureInput;
  if (a.kind === 'circle' && g.type === 'Point' && a.radiusM !== undefined) {
    feature = {
      id,
      type: 'Feature',
      properties: {
        ...base,
        type: 'u-d-c-c',
        center: [g.coordinates[0]!, g.coordinates[1]!],
        shape: { ellipse: { major: a.radiusM, minor: a.radiusM, angle: 360 } },
      },
      geometry: { type: 'Polygon', coordinates: [circleRing(g.coordinates[0]!, g.coordinates[1]!, a.radiusM)] },
    };
    // The library writes the colours of lines and polygons only, not of circles: added as it would.
    const cot = lib.CoT.from_geojson(feature);
    Object.assign((cot.raw.event.detail ??= {}), {
      strokeColor: { _attributes: { value: cotColor(a.color, STROKE_OPACITY) } },
      strokeWeight: { _attributes: { value: String(STROKE_WEIGHT) } },
      strokeStyle: { _attributes: { value: 'solid' } },
      fillColor: { _attributes: { value: cotColor(a.color, FILL_OPACITY) } },
    });
    return cot;
  } else if (g.type === 'Point') {
    feature = {
      id,
      type: 'Feature',
      properties: { ...base, type: 'b-m-p-s-m', 'marker-color': a.color, 'marker-opacity': 1 },
      geometry: { type: 'Point', coordinates: [...g.coordinates] },
    };
  } else if (g.type === 'LineString') {
    feature = {
      id,
      type: 'Feature',
      properties: { ...base, stroke: a.color, 'stroke-opacity': STROKE_OPACITY },
      geometry: { type: 'LineString', coordinates: g.coordinates.map((c) => [...c]) },
    };
  } else {
    feature = {
      id,
      type: 'Feature',
      properties: {
        ...base,
        stroke: a.color,
        'stroke-opacity': STROKE_OPACITY,
        fill: a.color,
        'fill-opacity': FILL_OPACITY,
      },
      // TAK shapes have one ring: holes are not drawn.
      geometry: { type: 'Polygon', coordinates: [g.coordinates[0]!.map((c) => [...c])] },
    };
  }
  return lib.CoT.from_geojson(feature);
}

/** Characters XML 1.0 does not allow anywhere, escaped or not (C0 controls but tab, LF, CR; lone surrogates; U+FFFE/F). */
const NOT_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * An event as XML for TAK clients. The library's own `to_xml` escapes only `"` in attribute
 * values, so a callsign or label with `&` or `<` (集合点 <A&B>) made a document TAK rejects, and
 * control characters passed through raw; here every attribute value is escaped and characters XML
 * cannot carry are dropped from attributes and text (which xml-js escapes itself).
 */
export function cotXml(event: CotEvent): string {
  return xmljs.js2xml(event.raw, {
    compact: true,
    // Before xml-js escapes `"` itself.
    attributesFn: (attributes) => {
      const escaped: Record<string, string> = {};
      for (const [key, value] of Object.entries(attributes))
        if (value !== undefined && value !== null)
          escaped[key] = String(value)
            .replace(NOT_XML, '')
            .replace(/&/g, '&amp;')
            .replace(/</g, '&lt;')
            .replace(/>/g, '&gt;');
      return escaped;
    },
    textFn: (value) => value.replace(NOT_XML, ''),
  });
}

/** Tells TAK clients to remove the item of this uid. */
export function deleteEvent(lib: NodeCot, uid: string): CotEvent {
  return new lib.ForceDelete(uid);
}

/** The answer to a `t-x-c-t` ping. */
export function pongEvent(lib: NodeCot): CotEvent {
  const cot = lib.CoT.ping();
  cot.raw.event._attributes.type = 't-x-c-t-r';
  cot.uid('takPong');
  return cot;
}

/** What a received event is. */
export type Inbound =
  | { kind: 'ping' }
  | { kind: 'position'; uid: string; query: Record<string, string> }
  | {
      kind: 'emergency';
      /** The uid of the device in trouble (`<link uid>`); null when the event names none (a cancel). */
      subject: string | null;
      /** Called off (`b-a-o-can`, or `<emergency cancel="true">`). */
      cancel: boolean;
      /** What it is, as ATAK names it (`911 Alert`, `Ring The Bell` …), for the alarm of the fix. */
      alarm: string;
      /** Where and when, as OsmAnd parameters without the device `id`. */
      query: Record<string, string>;
    }
  | { kind: 'other'; type: string };

/** ATAK's emergency types (its Emergency tool) by CoT type, for an event whose `<emergency>` names none. */
const EMERGENCY_TYPES: Record<string, string> = {
  'b-a-o-tbl': '911 Alert',
  'b-a-o-pan': 'Ring The Bell',
  'b-a-o-opn': 'In Contact',
  'b-a-o-c': 'Custom',
};

/**
 * Classify a received event. A position event (`a-…` with a point) becomes the query parameters
 * of the OsmAnd protocol, so it enters through the same ingest as a tracker's fix (speed in knots
 * there, m/s in CoT). An emergency (`b-a-o-…`: ATAK's 911, Ring The Bell, In Contact and custom
 * alerts, and `b-a-o-can`, their cancel) gives its point the same way, to become a fix with an alarm.
 */
export function inbound(cot: CotEvent): Inbound {
  const attrs = cot.raw.event._attributes;
  const type = String(attrs.type ?? '');
  if (type === 't-x-c-t') return { kind: 'ping' };
  const point = cot.raw.event.point?._attributes;
  const detail = cot.raw.event.detail ?? {};
  if ((type === 'b-a-o' || type.startsWith('b-a-o-')) && point) {
    const emergency = attribute(detail.emergency);
    const named = typeof emergency?.type === 'string' ? emergency.type.trim() : '';
    const subject = attribute(detail.link)?.uid;
    return {
      kind: 'emergency',
      subject: typeof subject === 'string' ? subject : null,
      cancel: type === 'b-a-o-can' || String(emergency?.cancel).toLowerCase() === 'true',
      alarm: named || (EMERGENCY_TYPES[type] ?? 'Emergency'),
      query: pointQuery(attrs, point),
    };
  }
  if (!type.startsWith('a-') || !point) return { kind: 'other', type };
  const query: Record<string, string> = { id: String(attrs.uid), ...pointQuery(attrs, point) };
  const track = attribute(detail.track);
  if (known(track?.course)) query.bearing = String(track!.course);
  if (known(track?.speed)) query.speed = String(Number(track!.speed) / KNOTS_TO_MPS);
  const status = attribute(detail.status);
  if (known(status?.battery)) query.batt = String(status!.battery);
  return { kind: 'position', uid: String(attrs.uid), query };
}

/** A CoT value that is a number and not CoT's unknown. */
const known = (v: unknown) => v !== undefined && v !== '' && Number.isFinite(Number(v)) && Number(v) < UNKNOWN;

/** An event's point and time as OsmAnd parameters. */
function pointQuery(
  attrs: CotEvent['raw']['event']['_attributes'],
  point: Record<string, string | number | undefined>,
): Record<string, string> {
  const query: Record<string, string> = {
    lat: String(point.lat),
    lon: String(point.lon),
    timestamp: String(attrs.time),
  };
  if (known(point.hae)) query.altitude = String(point.hae);
  if (known(point.ce)) query.accuracy = String(point.ce);
  return query;
}

function attribute(node: unknown): Record<string, unknown> | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const attrs = (node as { _attributes?: unknown })._attributes;
  return typeof attrs === 'object' && attrs !== null ? (attrs as Record<string, unknown>) : undefined;
}
