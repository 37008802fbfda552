/**
 * What a decoded fix is, and the range checks that decide whether it is stored (docs/ingest.md:
 * "Dropped, not refused"). Pure: no IO, no clock (callers pass `now`).
 */

/** A fix as decoded from one request, before the unit is resolved. SI units. */
export interface DecodedFix {
  deviceId: string;
  /** epoch ms */
  time: number;
  lat: number;
  lng: number;
  speedMps: number | null;
  bearing: number | null;
  altitude: number | null;
  accuracy: number | null;
  /** percent 0–100 */
  battery: number | null;
  alarm: string | null;
  /** The device says this fix has no valid location (`valid=false`): accepted, not stored. */
  valid: boolean;
  /**
   * A dropped fix (not for its coordinates) that carries an alarm: stored anyway, dated on arrival
   * and without an out-of-range speed, so the alarm (SOS) is raised where the device was. The app
   * shows "SOS sent" once answered; dropping the alarm with a wrong clock would lose it silently.
   */
  alarmKept?: true;
  /**
   * The fix has no usable position (lat 0, lon 0 or out of range, or `valid=false`: no GPS lock,
   * typical indoors, exactly when an officer may press SOS): not stored, but reported to the alert
   * engine (`PositionlessReport`), which raises its alarm at the unit's last known position, and
   * ends an SOS when it carries none. `onArrival`: its time is outside the window too, so it is
   * dated on its arrival. One without an alarm dated too old is not reported then (an old report
   * says nothing of now); one dated ahead of the window (a clock hours fast), also with a usable
   * position, is: it is its device's news of now, and the only report that ends its press.
   */
  positionless?: { onArrival: boolean };
  /** A heartbeat: it sent no coordinates at all (`lat`, `lng` stand at 0), an alarm or none. */
  noLocation?: true;
  /**
   * Set by the range checks: why this fix is accepted but not stored (a value out of range, a time
   * outside the window). Its request is still acknowledged, so a buffering app moves past it.
   */
  dropped?: { reason: DropReason; message: string };
}

/** Why a fix was dropped (the metric's label). */
export type DropReason = 'coordinates' | 'no_location' | 'future' | 'too_old' | 'speed';

export interface FixLimits {
  /** Drop fixes timestamped further than this in the future. */
  maxFutureMs: number;
  /** Drop fixes older than this. */
  maxAgeMs: number;
  /** Most fixes in one request (JSON batches). */
  maxFixes: number;
}

/** Faster than this is not a police unit's GPS but garbage (≈ 1,800 km/h). */
const MAX_SPEED_MPS = 500;

/**
 * Run the range checks on a decoded fix and mark it (in place): `dropped` with its reason, and
 * what becomes of its alarm: kept at its place (`alarmKept`) or, with no usable place, reported
 * without one (`positionless`).
 */
export function judgeFix(f: DecodedFix, now: number, limits: FixLimits): void {
  const dropped = checkFix(f, now, limits);
  if (dropped) f.dropped = dropped;
  const placeless = dropped?.reason === 'coordinates' || dropped?.reason === 'no_location';
  if (!f.valid || placeless) {
    // No place, but its alarm (or the end of one) is news: see `positionless`.
    const late = placeless ? checkTime(f, now, limits) : dropped;
    const onArrival = !!late && late.reason !== 'speed';
    if (f.alarm !== null || !onArrival || late.reason === 'future') f.positionless = { onArrival };
  } else if (dropped && f.alarm !== null) {
    // The alarm of a fix dropped for its time or speed still has a place: kept (see `alarmKept`).
    f.alarmKept = true;
    if (dropped.reason === 'speed') f.speedMps = null;
  } else if (dropped?.reason === 'future') {
    // Not stored (its time is wrong) but the end of its device's press: heard, dated on arrival.
    f.positionless = { onArrival: true };
  }
}

/**
 * Range and time checks: why the fix must not be stored, or null; normalises unknown values
 * (negative accuracy/bearing/battery, 0 accuracy, battery above 100 — millivolts, say) to null.
 *
 * Such a fix is dropped, not refused. A value out of range is the device's data, not a malformed
 * request: refused, Traccar Client keeps it at the head of its buffer and sends it again every
 * 30 s for ever, and every fix behind it waits (a phone left a week in a locker, one GPS spike).
 * Traccar's own server filters such fixes and answers 200 as well.
 */
function checkFix(f: DecodedFix, now: number, limits: FixLimits): DecodedFix['dropped'] | null {
  const drop = (reason: DropReason, message: string) => ({ reason, message });
  if (f.bearing !== null) f.bearing = f.bearing < 0 ? null : f.bearing % 360;
  if (f.accuracy !== null && f.accuracy <= 0) f.accuracy = null;
  if (f.battery !== null && (f.battery < 0 || f.battery > 100)) f.battery = null;
  if (f.speedMps !== null && f.speedMps < 0) f.speedMps = null;
  if (f.noLocation) return drop('no_location', 'no location: a heartbeat with an alarm');
  if (f.lat < -90 || f.lat > 90 || f.lng < -180 || f.lng > 180)
    return drop('coordinates', `coordinates out of range: lat ${f.lat}, lon ${f.lng}`);
  // What trackers and TAK clients send before they have a location: not a place in the Gulf of Guinea.
  if (f.lat === 0 && f.lng === 0) return drop('coordinates', 'no location: lat 0, lon 0');
  const late = checkTime(f, now, limits);
  if (late) return late;
  if (f.speedMps !== null && f.speedMps > MAX_SPEED_MPS)
    return drop('speed', `speed out of range: ${f.speedMps.toFixed(1)} m/s`);
  return null;
}

/** A time outside the window (`future`, `too_old`), or null. */
function checkTime(f: DecodedFix, now: number, limits: FixLimits): DecodedFix['dropped'] | null {
  const at = () => new Date(f.time).toISOString();
  if (f.time > now + limits.maxFutureMs) return { reason: 'future', message: `timestamp ${at()} is in the future` };
  if (f.time < now - limits.maxAgeMs) return { reason: 'too_old', message: `timestamp ${at()} is too old` };
  return null;
}

/** Whether the fix is written to the track: valid, and not dropped unless kept for its alarm. */
export const isStored = (f: DecodedFix): boolean => f.valid && (!f.dropped || f.alarmKept === true);
