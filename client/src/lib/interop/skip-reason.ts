import type { interopZhCN } from './messages.ts';

type InteropKey = keyof typeof interopZhCN;

/**
 * Why the server skipped parts of an imported file (or parts of what it imports), as it words them (`skip(…)` in
 * server/src/interop/import-convert.ts), and the message the console shows instead.
 */
export const SKIP_REASONS: Readonly<Record<string, InteropKey>> = {
  'not a feature': 'interop.skip.notFeature',
  'no geometry': 'interop.skip.noGeometry',
  'malformed geometry': 'interop.skip.malformed',
  'coordinates out of range': 'interop.skip.outOfRange',
  // KML's pictures draped on the map (GroundOverlay) and links to other files (NetworkLink).
  'ground overlay': 'interop.skip.groundOverlay',
  'network link': 'interop.skip.networkLink',
  // Of an annotation imported: what it cannot hold (a polygon's rings past the 100th, a label's end past 200 characters).
  'polygon ring past the 100th': 'interop.skip.ringsDropped',
  'label cut to 200 characters': 'interop.skip.labelCut',
  // A hole that kept fewer than 4 distinct points once rounded: dropped, the area kept.
  'polygon hole of fewer than 4 points': 'interop.skip.holeDropped',
  // The annotation record check (shared/src/schema/annotation.ts), its path left out by the server.
  'polygon ring not closed': 'interop.skip.ringOpen',
};

/**
 * The record schema's own wording (TypeBox) for a geometry it refuses. Everything else of an
 * imported annotation is made by the server, so in practice this is a line or ring that kept too few
 * distinct points once rounded and de-duplicated ("Expected tuple", "Expected array length to be
 * greater or equal to 4").
 */
const SCHEMA_GEOMETRY = /^Expected (tuple|array|number|union)\b/;

/** The message key for a skip reason of the server; null for one this console does not know. */
export function skipReasonKey(reason: string): InteropKey | null {
  if (Object.hasOwn(SKIP_REASONS, reason)) return SKIP_REASONS[reason]!;
  return SCHEMA_GEOMETRY.test(reason) ? 'interop.skip.tooFewPoints' : null;
}

/**
 * A skip reason in the UI language; one this console does not know (a newer server) as it is.
 *
 * @example skipReasonText('coordinates out of range', i18n.t) // '坐标超出经纬度范围'
 */
export function skipReasonText(reason: string, t: (key: InteropKey) => string): string {
  const key = skipReasonKey(reason);
  return key ? t(key) : reason;
}
