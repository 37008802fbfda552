import type { FilterSpecification } from 'maplibre-gl';
import type { UnitKind, UnitStatus } from '@jointmap/shared';

/** Which units the roster and the map show; `''` = any. */
export interface UnitFilter {
  stationId: string;
  kind: UnitKind | '';
  status: UnitStatus | '';
}

export const NO_UNIT_FILTER: UnitFilter = { stationId: '', kind: '', status: '' };

export function unitFilterActive(f: UnitFilter): boolean {
  return f.stationId !== '' || f.kind !== '' || f.status !== '';
}

/** Whether a roster record (or a map feature's properties) passes the filter. */
export function matchesUnitFilter(f: UnitFilter, u: { stationId: string; kind: string; status: string }): boolean {
  return (
    (f.stationId === '' || u.stationId === f.stationId) &&
    (f.kind === '' || u.kind === f.kind) &&
    (f.status === '' || u.status === f.status)
  );
}

/**
 * The same test as a maplibre filter over unit features (`stationId`, `kind`, `status`
 * properties, see `unitFeature`), or null when nothing is filtered.
 */
export function unitFilterExpression(f: UnitFilter): FilterSpecification | null {
  const parts: FilterSpecification[] = [];
  if (f.stationId) parts.push(['==', ['get', 'stationId'], f.stationId]);
  if (f.kind) parts.push(['==', ['get', 'kind'], f.kind]);
  if (f.status) parts.push(['==', ['get', 'status'], f.status]);
  return parts.length === 0 ? null : parts.length === 1 ? parts[0]! : (['all', ...parts] as FilterSpecification);
}
