import type { PositionFix } from './types.ts';

/** What every stored fix names: whose, from which tracker, when and where. */
type FixPlace = Pick<PositionFix, 'unitId' | 'stationId' | 'deviceId' | 'time' | 'lng' | 'lat'>;

/**
 * A stored fix (`PositionStore`): speed, bearing, altitude, accuracy, battery and alarm unknown,
 * and received at its fix time, unless `fix` gives them.
 */
export const storedFix = (fix: FixPlace & Partial<PositionFix>): PositionFix => ({
  speed: null,
  bearing: null,
  altitude: null,
  accuracy: null,
  battery: null,
  alarm: null,
  receivedAt: fix.time,
  ...fix,
});
