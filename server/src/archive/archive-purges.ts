import { AppError, operationDocNames } from '@jointmap/shared';
import type { AppContext } from '../services/context.ts';
import type { PurgeBatch } from '../storage/retention-types.ts';
import type { ArchiveRecord, Operation } from '../storage/types.ts';
import type { ArchiveFiles } from './archive-files.ts';
import type { OpenedArchive } from './archive-reader.ts';
import { verifyArchive } from './archive-restore.ts';
import { purgeFixes } from './purge-fixes.ts';

/**
 * Purging closed operations after a verified archive (see {@link ArchivePurges.purge}); one run
 * per operation in this process at a time.
 */
export class ArchivePurges {
  /** Purges deleting their fixes in this process, by operation. */
  private readonly purging = new Map<string, Promise<void>>();
  /** The purges resumed at start, while they run. */
  private resuming: Promise<void> | null = null;
  private stopping = false;

  constructor(
    private readonly ctx: AppContext,
    private readonly files: ArchiveFiles,
  ) {}

  /**
   * Purge a closed operation's update logs, snapshots and track fixes after archive `record`,
   * whose SHA-256 the caller named (what it keeps); the caller checked the operation may be
   * purged. The file is re-read and must match its record and its manifest, and the manifest
   * must still describe every document update in storage. Fixes within the window of another
   * operation of the same station that is not purged are kept (one restored while this purge runs
   * too, from its restore's start: purge-fixes.ts), and so is every fix the archive does not hold.
   * Alerts stay (they are small).
   *
   * The documents go, and the purge is recorded as under way, in one transaction; the fixes go
   * after, in batches, and only then is it no longer under way. A purge a crash cut short is
   * finished at the next start, or by asking for it again (then with the archive it began with).
   * So is one that left fixes only a restore under way kept (`CONFLICT`: that restore may fail).
   */
  async purge(op: Operation, record: ArchiveRecord, sha256: string, userId: string): Promise<void> {
    if (record.sha256 !== sha256) throw new AppError('CONFLICT', 'that checksum is not the archive’s: nothing purged');
    const archive = await this.files.openRecorded(record, 'nothing purged');
    try {
      // Read whole as a restore reads it: what it would refuse is never purged.
      await verifyArchive(archive).catch((err: unknown) => {
        if (err instanceof AppError && err.code === 'ARCHIVE_INVALID')
          throw new AppError('ARCHIVE_INVALID', `the archive would not restore (${err.message}): nothing purged`);
        throw err;
      });
      for (const d of archive.manifest.documents) {
        const log = await this.ctx.storage.readUpdateLog(d.doc);
        if (log.length !== d.updates || (log.at(-1)?.seq ?? 0) !== d.lastSeq)
          throw new AppError('CONFLICT', `${d.doc} changed since the archive was written: make a new archive`);
      }

      const names = operationDocNames(op.id, op.stations);
      // No document of it loads here while they are deleted; rooms loaded (or loading) now are
      // unloaded first, so nothing can write its old state back after the deletion. Once storage
      // marks the operation purged, room managers refuse them on its word (on every instance,
      // until a restore on any of them).
      this.ctx.rooms.block(names);
      try {
        await Promise.all(names.map((name) => this.ctx.rooms.evict(name)));
        if (!(await this.ctx.storage.purgeOperationDocs(op.id, names, Date.now(), record.id)))
          throw new AppError('CONFLICT', `operation ${op.id} is under an evidence hold: lift it before purging`);
      } finally {
        this.ctx.rooms.unblock(names);
      }
      await this.purgeFixesOf(op, record.id, userId, archive);
    } finally {
      await archive.close();
    }
  }

  /** Finish a purge under way (its documents went) with the archive it began with. */
  resume(op: Operation, archiveId: string, userId: string): Promise<void> {
    return this.purgeFixesOf(op, archiveId, userId);
  }

  /** Finish, in the background, every purge a crash cut short (at start: a track may take minutes). */
  resumeAll(): void {
    this.resuming = (async () => {
      for (const p of await this.ctx.storage.purgesUnderWay()) {
        const op = await this.ctx.storage.getOperation(p.operationId);
        if (!op || this.stopping) continue;
        this.ctx.log.warn({ operation: op.id, archive: p.archiveId }, 'finishing a purge cut short');
        await this.purgeFixesOf(op, p.archiveId, null).catch((err: unknown) =>
          this.ctx.log.error({ err, operation: op.id }, 'a purge cut short is not finished: ask for it again'),
        );
      }
    })()
      .catch((err: unknown) => this.ctx.log.error({ err }, 'purges cut short not looked for'))
      .finally(() => (this.resuming = null));
  }

  /** Stop deleting fixes (the server stops): purges under way are finished at the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([this.resuming, ...this.purging.values()]);
  }

  /**
   * Delete the fixes of an operation whose documents were purged after archive `archiveId` (those
   * the archive holds: `opened`, or its file opened again), then record its purge as no longer
   * under way. A second request while one runs waits for it. An evidence hold or a restore of the
   * operation (on any instance) stops it at its next batch, and so does the server stopping: what
   * is left stays until it is asked for again. A pass whose batches left fixes that only a restore
   * of another operation under way kept stays under way too (`CONFLICT`): should that restore fail,
   * nothing shows them, so the next pass (asked for again, or at the next start) deletes them; once
   * it is restored, its window keeps them and the pass finishes.
   */
  private purgeFixesOf(op: Operation, archiveId: string, userId: string | null, opened?: OpenedArchive): Promise<void> {
    const running = this.purging.get(op.id);
    if (running) return running;
    const task = (async () => {
      if (await this.ctx.storage.operationHold(op.id))
        throw new AppError('CONFLICT', `operation ${op.id} is under an evidence hold: lift it to finish its purge`);
      const record = (await this.ctx.storage.listArchives(op.id)).find((a) => a.id === archiveId);
      if (!record || op.closedAt == null)
        throw new AppError('NOT_FOUND', `no archive ${archiveId} of ${op.id}: its purge cannot finish`);
      const archive = opened ?? (await this.files.openRecorded(record, 'the purge cannot finish'));
      let done: PurgeBatch | null;
      try {
        const closed = { ...op, closedAt: op.closedAt };
        done = await purgeFixes(
          this.ctx.storage,
          closed,
          { id: archiveId, opened: archive },
          this.ctx.config.retentionBatch,
          () => {
            if (this.stopping)
              throw new AppError(
                'STORAGE_UNAVAILABLE',
                `the server is stopping: the purge of ${op.id} finishes at its next start`,
              );
          },
        );
      } finally {
        if (!opened) await archive.close();
      }
      if (done === null) {
        // Finished (or taken over with another archive) by another run, on this instance or
        // another: the operation is purged. Otherwise held, or restored or being restored.
        const now = await this.ctx.storage.getOperation(op.id);
        const elsewhere = (await this.ctx.storage.purgesUnderWay()).find((p) => p.operationId === op.id);
        if (now?.purgedAt == null || elsewhere?.archiveId === archiveId)
          throw new AppError(
            'CONFLICT',
            `the purge of ${op.id} stopped: it is held as evidence or was restored (a hold lifted lets it finish)`,
          );
        this.ctx.log.info({ operation: op.id, archive: record.file, user: userId }, 'purge finished by another run');
        return;
      }
      const { dropped: fixes, kept, keptForRestores } = done;
      const told = { operation: op.id, archive: record.file, fixes, kept, keptForRestores, user: userId };
      if (keptForRestores) {
        this.ctx.log.warn(told, 'purge left under way: a restore of another operation keeps some of its fixes');
        throw new AppError(
          'CONFLICT',
          `the purge of ${op.id} left ${keptForRestores} fixes that only a restore under way of another ` +
            'operation of its stations keeps (that restore may yet fail): ask for the purge again once it has ended',
        );
      }
      await this.ctx.storage.finishPurge(op.id, archiveId);
      this.ctx.log.info(told, 'operation purged');
    })().finally(() => this.purging.delete(op.id));
    this.purging.set(op.id, task);
    return task;
  }
}
