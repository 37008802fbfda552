import * as Y from 'yjs';
import {
  AppError,
  COMMAND_SCOPE,
  docName,
  sosAlarmWithoutNul,
  withoutControlChars,
  type Alert,
} from '@jointmap/shared';
import type { LoggedUpdate, Operation, PositionFix, RestoredDoc, Storage } from '../storage/types.ts';
import {
  ALERTS_FILE,
  archivedAlertValidator,
  archivedFixValidator,
  archivedUpdateValidator,
  documentFile,
  TRACKS_FILE,
  type ArchivedOperation,
  type ArchivedUpdate,
  type Manifest,
} from './archive-format.ts';
import type { OpenedArchive } from './archive-reader.ts';
import { restoreTrack } from './restore-track.ts';
import { RestoreUndo, restoreFailure } from './restore-undo.ts';
import { RunningRestores, underWay } from './running-restores.ts';

const invalid = (message: string) => new AppError('ARCHIVE_INVALID', message);

/**
 * Restore a verified archive as a closed, read-only operation held as evidence by the restoring
 * commander (so the retention policy never thins what was restored: the hold covers the
 * operation's window); over a purged operation of the same id, too, when the archive is one of
 * that operation's (`sha256` of the file), stopping a purge of it still under way. Every record is
 * checked before anything is written. The archive's window is marked as a restore under way before
 * its first fix is written, so no retention run (on any instance) thins or drops it meanwhile; the
 * tracks and alerts go first, are checked to be all stored, and the operation with its documents,
 * its stations the store lacks and its hold last, in one transaction, so an operation appears whole
 * or not at all. A restore that fails takes back the fixes and alerts it added (`RestoreUndo`), so
 * it leaves nothing behind and can simply be run again. The mark goes when the restore ends,
 * whole or failed. While a restore of the operation is under way (in this process, or its live mark
 * on any instance) another is refused (`CONFLICT`) before it writes anything, unless that mark is
 * one of this instance's restores a stop cut short (`running`); of two that looked at once, the
 * store lets one mark and the other is refused. `now`: when the restore was asked (the operation's
 * `restoredAt`, its hold's `keptAt`); the mark takes the clock's time once the archive is checked.
 */
export async function restoreArchive(
  storage: Storage,
  archive: OpenedArchive,
  userId: string,
  now: number,
  sha256: () => Promise<string>,
  running: RunningRestores = new RunningRestores(),
): Promise<Operation> {
  const { manifest, operation: archived } = archive;
  const a = archived.operation;
  // A purged operation may come back from its archive; any other of the same id may not.
  const exists = async () => {
    const op = await storage.getOperation(a.id);
    return op !== null && op.purgedAt == null;
  };
  const here = await storage.getOperation(a.id);
  if (here && here.purgedAt == null) throw new AppError('CONFLICT', `operation ${a.id} exists here already`);
  if (here) await checkSameOperation(storage, here, archived, sha256);
  // The logs are kept as they are checked: the operation and its documents go in one transaction.
  const docs: RestoredDoc[] = [];
  await checkArchive(archive, docs);

  // Valid throughout: protect the window, then write. Stations this instance lacks are added; its
  // own are kept as they are. One restore of an operation at a time (running-restores.ts): the
  // claim is checked and taken in one step, the store takes the mark only where no other restore
  // holds one, and the claim goes only once the mark has. The mark is as old as it is, not as the
  // restore: checking a large archive takes minutes, which would count against its six hours and
  // make it older than the start of a process that came up meanwhile (a leftover, to that process).
  const markedAt = Date.now();
  const replaces = running.claim(await storage.restoreMarks(), a.id, markedAt);
  try {
    const mark = {
      operationId: a.id,
      stations: a.stations,
      ...manifest.window,
      startedAt: markedAt,
      id: running.newId(),
    };
    if (!(await storage.markRestore(mark, replaces))) {
      running.unmarked(mark.id);
      // Another restore marked between the look above and this mark (on any instance).
      const other = (await storage.restoreMarks().catch(() => [])).find((m) => m.operationId === a.id);
      throw underWay(a.id, other?.startedAt ?? now);
    }
    try {
      return await restoreMarked(storage, archive, docs, userId, now, mark.id, exists);
    } finally {
      await storage.unmarkRestore(mark);
      running.unmarked(mark.id);
    }
  } finally {
    running.release(a.id);
  }
}

/** {@link restoreArchive} once its window is marked (mark `markId`): write, check, and take back on failure. */
async function restoreMarked(
  storage: Storage,
  archive: OpenedArchive,
  docs: readonly RestoredDoc[],
  userId: string,
  now: number,
  markId: string,
  exists: () => Promise<boolean>,
): Promise<Operation> {
  const { operation: archived } = archive;
  const a = archived.operation;
  const undo = new RestoreUndo(storage, a.id, archive.dir);
  try {
    // A purge of the operation still under way (on any instance) stops: its batches check for a
    // hold and for the mark, and hold the operation's row while they delete, so setting a hold
    // waits for one in progress. A restore that fails keeps the hold (never lifting one that
    // someone may have set meanwhile): restore again, or lift it to let the purge finish.
    if ((await storage.purgesUnderWay()).some((p) => p.operationId === a.id) && !(await storage.operationHold(a.id)))
      await storage.setOperationHold(a.id, userId, now);
    await restoreTrack(storage, archive, undo);
    for await (const al of archive.lines<Alert>(ALERTS_FILE, archivedAlertValidator))
      if (await storage.insertAlert(storableAlert(al))) undo.addedAlert(al.id);

    const op: Operation = {
      id: a.id,
      name: a.name,
      kind: a.kind as Operation['kind'],
      status: 'closed',
      stations: a.stations,
      createdBy: a.createdBy,
      createdAt: a.createdAt,
      closedAt: a.closedAt,
      purgedAt: null,
      restoredAt: now,
    };
    const stations = archived.stations.map((s) => {
      const area = s.jurisdiction as { type?: string } | null;
      const polygon = area && (area.type === 'Polygon' || area.type === 'MultiPolygon');
      return { ...s, jurisdiction: polygon ? (area as never) : null };
    });
    try {
      await storage.restoreOperation(op, docs, { keptBy: userId, keptAt: now }, stations);
    } catch (err) {
      // Two restores of one file at once: the second is told as if it had come later.
      if (await exists().catch(() => false)) throw new AppError('CONFLICT', `operation ${a.id} exists here already`);
      throw err;
    }
    return (await storage.getOperation(op.id))!;
  } catch (err) {
    const failure = restoreFailure(err);
    try {
      // What another restore of the operation that is under way or done holds is its own too (a
      // fix or alert stored once for both): taking it back would leave that operation without it.
      const another =
        (await exists()) || (await storage.restoreMarks()).some((m) => m.operationId === a.id && m.id !== markId);
      if (!another) await undo.run();
    } catch (undoErr) {
      throw new AppError(
        failure instanceof AppError ? failure.code : 'STORAGE_UNAVAILABLE',
        `${(failure as Error).message}; some of its fixes or alerts could not be taken back ` +
          `(${(undoErr as Error).message}): run the restore again`,
      );
    }
    throw failure;
  }
}

/**
 * An archived alert as a storage row takes it: a rule name or tracker alarm text stored with a NUL
 * (SQLite took it, before such text was cleaned) would fail PostgreSQL's `text`, and the restore
 * with it. The rule name loses its control characters, as a new alert's does (alert-record.ts);
 * the alarm its NULs, as the PostgreSQL migration copies it.
 */
function storableAlert(al: Alert): Alert {
  const { alarm } = al.evidence;
  return {
    ...al,
    ruleName: withoutControlChars(al.ruleName),
    ...(alarm === undefined ? {} : { evidence: { ...al.evidence, alarm: sosAlarmWithoutNul(alarm) } }),
  };
}

/**
 * Over a purged operation only its own archive restores: the same creation, author and stations,
 * and, where the store recorded archives of it, one of those files (its SHA-256). Another
 * operation that happens to have its id would otherwise take over its kept alerts and archive
 * records.
 */
async function checkSameOperation(
  storage: Storage,
  purged: Operation,
  archived: ArchivedOperation,
  sha256: () => Promise<string>,
): Promise<void> {
  const a = archived.operation;
  const other = () =>
    new AppError(
      'CONFLICT',
      `operation ${a.id} here is another operation (purged) than the archive's: nothing restored`,
    );
  if (
    purged.createdAt !== a.createdAt ||
    purged.createdBy !== a.createdBy ||
    JSON.stringify(purged.stations) !== JSON.stringify(a.stations)
  )
    throw other();
  const records = await storage.listArchives(a.id);
  if (!records.length) return;
  const sum = await sha256();
  if (!records.some((r) => r.sha256 === sum))
    throw new AppError(
      'CONFLICT',
      `the archive is none of those written of the purged operation ${a.id} here ` +
        `(${records.map((r) => r.file).join(', ')}): restore one of them; nothing restored`,
    );
}

/**
 * Read the whole archive as a restore would, refusing with `ARCHIVE_INVALID` what it would refuse:
 * its documents in the operation's order, each log in order, complete and building its document,
 * every fix inside the operation's stations and window, every alert valid and of the operation, and
 * the counts of the manifest. A purge runs this first, so it never deletes what its archive could
 * not bring back. One document at a time, each update applied as it is read and let go: a
 * verification holds one document's state, never the archive's logs.
 */
export async function verifyArchive(archive: OpenedArchive): Promise<void> {
  await checkArchive(archive, null);
}

/** {@link verifyArchive}, keeping each document's log in `keep` when given (a restore writes them). */
async function checkArchive(archive: OpenedArchive, keep: RestoredDoc[] | null): Promise<void> {
  const { manifest, operation: archived } = archive;
  const a = archived.operation;
  const scopes = [COMMAND_SCOPE, ...a.stations];
  if (manifest.documents.length !== scopes.length || !manifest.documents.every((d, i) => d.scope === scopes[i]))
    throw invalid('the documents do not match the operation’s stations');

  for (const d of manifest.documents) {
    if (d.doc !== docName(a.id, d.scope)) throw invalid(`document ${d.doc} is not of ${a.id}`);
    const updates = await checkDocument(archive, d, keep !== null);
    keep?.push({ doc: d.doc, updates });
  }

  const inWindow = (f: PositionFix) =>
    a.stations.includes(f.stationId) && f.time >= manifest.window.from && f.time <= manifest.window.to;
  let fixes = 0;
  for await (const f of archive.lines<PositionFix>(TRACKS_FILE, archivedFixValidator)) {
    if (!inWindow(f)) throw invalid(`a fix of ${f.stationId}/${f.unitId} lies outside the operation`);
    fixes++;
  }
  let alerts = 0;
  for await (const al of archive.lines<Alert>(ALERTS_FILE, archivedAlertValidator)) {
    if (al.operationId !== a.id) throw invalid(`alert ${al.id} is of another operation`);
    alerts++;
  }
  if (fixes !== manifest.counts.fixes || alerts !== manifest.counts.alerts)
    throw invalid('the record counts do not match the manifest');
}

/**
 * One document's log, read a line at a time and applied as it comes: in order, as many updates as
 * the manifest says, and building the document with nothing missing (no update waits for another).
 * The checks are told in that order, as when the log was read whole first. Returns the log when
 * `keep`, else nothing is held past its line.
 */
async function checkDocument(
  archive: OpenedArchive,
  d: Manifest['documents'][number],
  keep: boolean,
): Promise<LoggedUpdate[]> {
  const kept: LoggedUpdate[] = [];
  const doc = new Y.Doc();
  try {
    let count = 0;
    let lastSeq = 0;
    // The first update that would not apply; told after the order and the count, which come first.
    let broken: Error | null = null;
    for await (const u of archive.lines<ArchivedUpdate>(documentFile(d.scope), archivedUpdateValidator)) {
      if (count && u.seq <= lastSeq) throw invalid(`${d.doc}: updates out of order at ${u.seq}`);
      count++;
      lastSeq = u.seq;
      const update = new Uint8Array(Buffer.from(u.update, 'base64'));
      if (keep) kept.push({ ...u, update });
      if (broken) continue;
      try {
        Y.applyUpdate(doc, update);
      } catch (err) {
        broken = err as Error;
      }
    }
    if (count !== d.updates || lastSeq !== d.lastSeq)
      throw invalid(`${d.doc}: ${count} updates, the manifest says ${d.updates}`);
    if (!broken && (doc.store.pendingStructs || doc.store.pendingDs)) broken = new Error('updates are missing');
    if (broken) throw invalid(`${d.doc}: the update log does not build the document (${broken.message})`);
    return kept;
  } finally {
    doc.destroy();
  }
}
