/**
 * The keys whose record differs between two rosters (`unitKey` → record): added, removed, or a
 * different record object. Records come from Y.Maps, which hand back the same object until the
 * record is set again, so an unchanged unit is never redrawn when another unit's status changes.
 */
export function changedRecords<T>(before: ReadonlyMap<string, T>, after: ReadonlyMap<string, T>): Set<string> {
  const changed = new Set<string>();
  for (const [key, record] of after) if (before.get(key) !== record) changed.add(key);
  for (const key of before.keys()) if (!after.has(key)) changed.add(key);
  return changed;
}
