import { inCurrentSplit, type Search, type Sector } from '@jointmap/shared';
import { labelPoint } from '../map/geometry.ts';
import { coverageColor, coveragePercent } from './coverage-color.ts';

export interface SectorFeatureProps {
  role: 'sector' | 'label';
  sectorId: string;
  searchId: string | null;
  name: string;
  status: Sector['status'];
  /** Swept share 0–1 from the live channel (0 until the server has said anything). */
  coverage: number;
  /** "A1 45%" */
  label: string;
  /** Fill colour on the coverage ramp. */
  fill: string;
}
export interface AreaFeatureProps {
  role: 'area';
  searchId: string;
  name: string;
}
export type SearchFeature =
  | GeoJSON.Feature<GeoJSON.Polygon | GeoJSON.Point, SectorFeatureProps>
  | GeoJSON.Feature<GeoJSON.Polygon, AreaFeatureProps>;

/** A search's sectors are drawn while it runs; a found or closed search leaves the map. */
export function isSearchShown(search: Pick<Search, 'status'>): boolean {
  return search.status === 'active';
}

/**
 * What the sector layer draws (WGS-84): the outline of every active search area, every sector of an
 * active search's current split (and sectors drawn on their own) filled by coverage, and one label
 * point per sector ("A1 45%"). `coverage` gives a sector's swept share, null when unknown.
 */
export function searchFeatures(
  searches: readonly Search[],
  sectors: readonly Sector[],
  coverage: (sectorId: string) => number | null,
): GeoJSON.FeatureCollection<GeoJSON.Polygon | GeoJSON.Point, SectorFeatureProps | AreaFeatureProps> {
  const shown = new Map(searches.filter(isSearchShown).map((s) => [s.id, s]));
  const features: SearchFeature[] = [];
  for (const s of searches) {
    if (!shown.has(s.id)) continue;
    features.push({
      type: 'Feature',
      id: `area/${s.id}`,
      geometry: s.area as GeoJSON.Polygon,
      properties: { role: 'area', searchId: s.id, name: s.name },
    });
  }
  for (const sector of sectors) {
    const searchId = sector.searchId ?? null;
    if (searchId !== null) {
      const search = shown.get(searchId);
      if (!search || !inCurrentSplit(sector, search)) continue;
    }
    const fraction = coverage(sector.id) ?? 0;
    const props: SectorFeatureProps = {
      role: 'sector',
      sectorId: sector.id,
      searchId,
      name: sector.name,
      status: sector.status,
      coverage: fraction,
      label: `${sector.name} ${coveragePercent(fraction)}%`,
      fill: coverageColor(fraction),
    };
    features.push({
      type: 'Feature',
      id: `sector/${sector.id}`,
      geometry: sector.polygon as GeoJSON.Polygon,
      properties: props,
    });
    features.push({
      type: 'Feature',
      id: `label/${sector.id}`,
      geometry: { type: 'Point', coordinates: labelPoint(sector.polygon) },
      properties: { ...props, role: 'label' },
    });
  }
  return { type: 'FeatureCollection', features };
}

/** Sector names in the order searchers read them: A1, A2 … A10, B1 (numbers compare as numbers). */
export function compareSectorNames(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
