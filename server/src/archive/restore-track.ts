import { AppError, alarmWithoutNul } from '@jointmap/shared';
import { trackFixes } from '../storage/track-pages.ts';
import type { PositionFix, Storage } from '../storage/types.ts';
import { archivedFixValidator, TRACKS_FILE } from './archive-format.ts';
import type { OpenedArchive } from './archive-reader.ts';
import type { RestoreUndo } from './restore-undo.ts';

/** Fixes written per storage call while restoring, and checked per read afterwards. */
const BATCH = 1_000;

/**
 * Write an archive's fixes into the track (repeats kept once), then check that every one of them
 * is stored. The caller has marked the archive's window (`markRestore`), so the retention job
 * leaves it alone; a run that had read its windows just before the mark could still delete some,
 * and the check turns that into a failed restore (`CONFLICT`: run it again) instead of a whole-looking
 * operation with part of its tracks. The fixes it adds are told to `undo`, which takes them back
 * if the restore fails. An alarm text holding a NUL is written without it (`alarmWithoutNul`, as the
 * PostgreSQL migration copies it), on either store, after the archive has been verified as it is.
 */
export async function restoreTrack(storage: Storage, archive: OpenedArchive, undo: RestoreUndo): Promise<void> {
  for await (const batch of batches(archive)) await undo.addedFixes(await storage.restoreFixes(batch));
  let stored = 0;
  for await (const batch of batches(archive)) stored += await storedOf(storage, batch);
  const expected = archive.manifest.counts.fixes;
  if (stored !== expected)
    throw new AppError(
      'CONFLICT',
      `only ${stored} of the archive’s ${expected} fixes are stored after writing them (deleted meanwhile); ` +
        'the operation was not restored: run the restore again',
    );
}

async function* batches(archive: OpenedArchive): AsyncGenerator<PositionFix[]> {
  let batch: PositionFix[] = [];
  for await (const f of archive.lines<PositionFix>(TRACKS_FILE, archivedFixValidator)) {
    // An alarm an older server stored (and archived) with a NUL, which PostgreSQL's `text` refuses.
    batch.push(f.alarm?.includes('\0') ? { ...f, alarm: alarmWithoutNul(f.alarm) } : f);
    if (batch.length >= BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/** How many of these fixes the track holds (by unit, time and tracker). */
async function storedOf(storage: Storage, fixes: readonly PositionFix[]): Promise<number> {
  const byUnit = new Map<string, PositionFix[]>();
  for (const f of fixes) {
    const key = JSON.stringify([f.stationId, f.unitId]);
    const group = byUnit.get(key);
    if (group) group.push(f);
    else byUnit.set(key, [f]);
  }
  let found = 0;
  for (const group of byUnit.values()) {
    const { stationId, unitId } = group[0]!;
    const times = group.map((f) => f.time);
    const keys = new Set<string>();
    for await (const f of trackFixes(storage, stationId, unitId, Math.min(...times), Math.max(...times) + 1))
      keys.add(`${f.time}/${f.deviceId}`);
    found += group.filter((f) => keys.has(`${f.time}/${f.deviceId}`)).length;
  }
  return found;
}
