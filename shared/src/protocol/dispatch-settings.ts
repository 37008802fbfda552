import type { UnitKind } from '../schema/unit.ts';

/**
 * The server's dispatch settings, sent with the operation view (`GET /api/operations/:id` →
 * `dispatch`) so every client ranks units and draws rings the same way.
 */
export interface DispatchSettings {
  /** Default target stations: jurisdictions within this distance of a task's location (metres). */
  targetRadiusM: number;
  /** Straight-line distance × this factor ≈ road distance (ETA estimate). */
  detourFactor: number;
  /** Travel speed by unit kind (km/h). */
  speedKmh: Record<UnitKind, number>;
  /** Response rings drawn around an incident (minutes): 1, 3, 5, 8. */
  ringMinutes: number[];
  /** Reference speed the rings are drawn at (km/h; by default a patrol car's). */
  ringSpeedKmh: number;
}
