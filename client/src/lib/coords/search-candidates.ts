import { unitKey, type Task, type Unit } from '@jointmap/shared';
import type { OperationSession } from '../state/operation-session.svelte.ts';
import { taskTarget } from '../tasks/dispatch/dispatch-model.ts';
import { boxOf, pointBox, stationBox, type SearchCandidate } from './map-search.ts';

/**
 * Everything the map search can find in an open operation: stations (their jurisdiction), units by
 * callsign or member (at their latest fix), annotations with a label, and tasks by title.
 */
export function searchCandidates(session: OperationSession): SearchCandidate[] {
  const out: SearchCandidate[] = [];
  for (const s of session.stations) {
    out.push({
      kind: 'station',
      id: s.id,
      label: s.name,
      aliases: [s.shortName],
      box: stationBox(session.data.jurisdictions, s.id),
    });
  }
  for (const { record: u } of session.records<Unit>('units')) {
    const key = unitKey(u.stationId, u.id);
    const fix = session.live.positionOf(key);
    out.push({
      kind: 'unit',
      id: key,
      label: u.callsign,
      aliases: [...u.members, session.station(u.stationId)?.shortName ?? ''].filter(Boolean),
      box: fix ? pointBox(fix.lngLat) : null,
    });
  }
  for (const f of session.annotations.allFeatures()) {
    const label = f.properties.label.trim();
    if (label)
      out.push({ kind: 'annotation', id: f.properties.fid, label, aliases: [], box: boxOf(f.geometry as never) });
  }
  for (const { record: t } of session.records<Task>('tasks')) {
    const at = taskTarget(t);
    out.push({ kind: 'task', id: t.id, label: t.title, aliases: [], box: at ? pointBox(at) : null });
  }
  return out;
}
