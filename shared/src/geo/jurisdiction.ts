import { bbox, booleanPointInPolygon } from '@turf/turf';
import type { MultiPolygon, Polygon } from 'geojson';
import type { LngLat } from './lnglat.ts';

export interface Jurisdiction {
  stationId: string;
  /** WGS-84 area of responsibility. */
  area: Polygon | MultiPolygon;
}

/**
 * Point → station lookup over a fixed set of jurisdictions, with a bounding-box prefilter so a
 * lookup costs a few comparisons for points outside most areas.
 *
 * @example
 * const lookup = createJurisdictionLookup(stations);
 * lookup.stationAt(lngLat(120.2954, 30.5222)); // 'deqing-yuyue' or a neighbour
 */
export function createJurisdictionLookup(jurisdictions: readonly Jurisdiction[]) {
  const boxed = jurisdictions.map((j) => ({ ...j, box: bbox(j.area) }));
  return {
    /** The station whose area contains the point (first match, in the given order), or null. */
    stationAt(point: LngLat): string | null {
      const [x, y] = point;
      for (const j of boxed) {
        const [minX, minY, maxX, maxY] = j.box;
        if (x < minX || x > maxX || y < minY || y > maxY) continue;
        if (booleanPointInPolygon([x, y], j.area)) return j.stationId;
      }
      return null;
    },
  };
}
