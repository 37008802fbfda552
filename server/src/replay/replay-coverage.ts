import type * as Y from 'yjs';
import { computeCoverage, lngLat, type Search, type Sector, type SectorCoverage, type UnitKey } from '@jointmap/shared';
import { coverageDef, searchInterest, sectorsOfSearch, sectorStart } from '../search/search-sectors.ts';
import { mergedTracks } from '../search/track-history.ts';
import type { Storage } from '../storage/types.ts';

/**
 * Search-sector coverage at a replayed moment, by the live coverage's rules (search-sectors.ts):
 * each sector's accepted units' stored tracks from the sector's start up to the moment, or up to
 * the search's end when it had ended by then (an ended search keeps its last fractions), each
 * unit named by a sector only while it was on the search's task (`onTask`).
 * `command` is the command document at the moment.
 */
export async function coverageAt(
  storage: Storage,
  stations: readonly string[],
  command: Y.Doc,
  at: number,
  onTask: () => Promise<(unit: UnitKey, taskId: string, time: number) => boolean>,
): Promise<SectorCoverage[]> {
  const searches = [...command.getMap<Search>('searches').values()];
  const allSectors = [...command.getMap<Sector>('sectors').values()];
  const out: SectorCoverage[] = [];
  for (const search of searches) {
    const sectors = sectorsOfSearch(search, allSectors);
    if (!sectors.length) continue;
    const to = search.status === 'active' ? at : Math.min(at, search.updatedAt);
    const from = Math.min(...sectors.map((s) => sectorStart(s, search)));
    const interest = searchInterest(sectors);
    const units: UnitKey[] = [];
    for (const stationId of stations)
      for (const unitId of await storage.trackUnitsOfStation(stationId))
        if (interest.unitIds.has(unitId) || interest.stationIds.has(stationId)) units.push({ stationId, unitId });
    const fixes = from <= to ? await mergedTracks(storage, units, from, to) : [];
    // Only sectors that name units ask whose task a unit was on: the roster history is read then.
    const rule = interest.unitIds.size > 0 ? await onTask() : undefined;
    const fractions = computeCoverage(
      sectors.map((s) => coverageDef(s, search, rule)),
      fixes.map((f) => ({ unitId: f.unitId, stationId: f.stationId, lngLat: lngLat(f.lng, f.lat), time: f.time })),
    );
    const last = fixes.at(-1)?.receivedAt ?? null;
    for (const s of sectors) out.push({ sectorId: s.id, fraction: fractions.get(s.id) ?? 0, updatedAt: last });
  }
  return out;
}
