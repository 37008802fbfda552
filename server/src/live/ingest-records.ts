import type { UnitPosition } from '@jointmap/shared';
import type { PositionFix } from '../storage/types.ts';
import type { DecodedFix } from './fix-checks.ts';
import type { PositionlessReport } from './relay.ts';

/** The unit a request's fixes belong to, and when they were accepted (server clock). */
export interface IngestUnit {
  unitId: string;
  stationId: string;
  deviceId: string;
  receivedAt: number;
}

/** The track row of a fix to store. */
export function positionFix(f: DecodedFix, unit: IngestUnit): PositionFix {
  return {
    ...unit,
    time: f.time,
    lng: f.lng,
    lat: f.lat,
    speed: f.speedMps,
    bearing: f.bearing,
    altitude: f.altitude,
    accuracy: f.accuracy,
    battery: f.battery,
    alarm: f.alarm,
  };
}

/** A fix without a usable position, as the alert engine hears it (`DecodedFix.positionless`). */
export function positionlessReport(f: DecodedFix, unit: IngestUnit): PositionlessReport {
  return { positionless: true, ...unit, time: f.time, alarm: f.alarm };
}

export function toUnitPosition(f: PositionFix): UnitPosition {
  return {
    unitId: f.unitId,
    stationId: f.stationId,
    deviceId: f.deviceId,
    lngLat: [f.lng, f.lat],
    time: f.time,
    receivedAt: f.receivedAt,
    speedMps: f.speed,
    bearing: f.bearing,
    altitude: f.altitude,
    accuracy: f.accuracy,
    battery: f.battery,
    alarm: f.alarm,
  };
}
