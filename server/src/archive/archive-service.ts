import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AppError,
  applyChange,
  COMMAND_SCOPE,
  docName,
  META_OPERATION_KEY,
  operationDocNames,
  readMap,
  type OperationMeta,
  type Principal,
} from '@jointmap/shared';
import { requireCommander } from '../plugins/auth.ts';
import type { AppContext } from '../services/context.ts';
import { getVisibleOperation } from '../services/operations.ts';
import type { ArchiveRecord, Operation } from '../storage/types.ts';
import { ArchiveFiles } from './archive-files.ts';
import { ArchivePurges } from './archive-purges.ts';
import { sha256OfFile, writeArchive } from './archive-writer.ts';
import { restoreArchive } from './archive-restore.ts';
import { RunningRestores } from './running-restores.ts';
import type { ClosedListener } from './operation-watch.ts';

/**
 * The life of an operation after the work: a commander closes it (its documents become
 * read-only), exports it as one archive file, may purge its bulky data once the archive is
 * verified, and restores archives (read-only) on any instance. See docs/retention.md, "Archives".
 */
export class ArchiveService {
  /** Archives being written, by operation (one at a time per operation). */
  private readonly writing = new Map<string, Promise<ArchiveRecord>>();
  readonly files: ArchiveFiles;
  private readonly purges: ArchivePurges;
  private readonly restores: RunningRestores;

  constructor(
    private readonly ctx: AppContext,
    /** Told when an operation closes: its alerts stop, its live viewers are narrowed. */
    private readonly closed?: ClosedListener,
  ) {
    this.files = new ArchiveFiles(ctx.config);
    this.purges = new ArchivePurges(ctx, this.files);
    this.restores = new RunningRestores(this.files.tag);
  }

  /** Remove what a crash of this instance left half-written or half-read in `ARCHIVE_DIR`. */
  sweep(): Promise<void> {
    return this.files.sweep();
  }

  /**
   * Close an active operation: status and time in storage, `closed` in its meta, connections
   * re-admitted read-only. The two are separate writes: if the meta's failed (a crash, a full
   * disk), closing again writes it (the status stands) instead of refusing as already closed.
   */
  async close(user: Principal, operationId: string): Promise<Operation> {
    requireCommander(user, 'close operations');
    const op = await getVisibleOperation(this.ctx, user, operationId);
    if (op.status !== 'active') {
      if (op.purgedAt != null || !(await this.writeClosedMeta(op.id, op.closedAt ?? Date.now(), user.id)))
        throw new AppError('CONFLICT', `operation ${op.id} is already closed`);
      this.ctx.log.info({ operation: op.id, user: user.id }, 'closed operation: its meta written again');
      return (await this.ctx.storage.getOperation(op.id))!;
    }
    const now = Date.now();
    if (!(await this.ctx.storage.closeOperation(op.id, now)))
      throw new AppError('CONFLICT', `operation ${op.id} is already closed`);
    // Open connections were admitted with write access: unloading their rooms makes them reconnect,
    // and they are admitted read-only (the status is already stored).
    await Promise.all(operationDocNames(op.id, op.stations).map((name) => this.ctx.rooms.evict(name)));
    await this.closed?.forget(op.id);
    await this.writeClosedMeta(op.id, now, user.id);
    this.ctx.log.info({ operation: op.id, user: user.id }, 'operation closed');
    return (await this.ctx.storage.getOperation(op.id))!;
  }

  /** `closed` into the operation's meta unless it says so already; whether it was written. */
  private async writeClosedMeta(operationId: string, at: number, userId: string): Promise<boolean> {
    const room = await this.ctx.rooms.get(docName(operationId, COMMAND_SCOPE));
    let written = false;
    await room.serverChange(
      (doc) => {
        const meta = readMap<OperationMeta>(doc, 'meta').get(META_OPERATION_KEY);
        if (!meta || meta.status === 'closed') return;
        applyChange(
          doc,
          'command',
          { type: 'put', map: 'meta', key: META_OPERATION_KEY, value: { ...meta, status: 'closed', updatedAt: at } },
          { source: 'server' },
        );
        written = true;
      },
      { sessionId: null, userId },
    );
    return written;
  }

  async list(user: Principal, operationId: string): Promise<ArchiveRecord[]> {
    requireCommander(user, 'see archives');
    const op = await getVisibleOperation(this.ctx, user, operationId);
    return this.ctx.storage.listArchives(op.id);
  }

  /** Write an archive of a closed operation (one at a time per operation; a second request waits for the first). */
  async create(user: Principal, operationId: string): Promise<ArchiveRecord> {
    requireCommander(user, 'archive operations');
    const op = await getVisibleOperation(this.ctx, user, operationId);
    if (op.status !== 'closed' || op.closedAt == null)
      throw new AppError('CONFLICT', `operation ${op.id} is still active: close it first`);
    if (op.purgedAt != null) throw new AppError('OPERATION_PURGED', `operation ${op.id} was purged`);
    const running = this.writing.get(op.id);
    if (running) return running;
    const task = (async () => {
      const started = Date.now();
      // Every document loaded first: a room stamps a document the first time it loads it, so a
      // later load (a follower, a reader) would write to a document this archive had read, and the
      // purge after it would refuse. Loaded here, the stamp is in the log the archive reads.
      await Promise.all(operationDocNames(op.id, op.stations).map((name) => this.ctx.rooms.get(name)));
      const record = await writeArchive({
        storage: this.ctx.storage,
        archiveDir: this.files.dir,
        instance: this.files.instance,
        workPrefix: this.files.work('writing'),
        operation: { ...op, closedAt: op.closedAt! },
        createdBy: user.id,
        now: started,
      });
      // Purged while it was being written: what it read may be partial, so it is not kept.
      if ((await this.ctx.storage.getOperation(op.id))?.purgedAt != null) {
        await rm(join(this.files.dir, record.file), { force: true });
        throw new AppError('OPERATION_PURGED', `operation ${op.id} was purged while its archive was written`);
      }
      await this.ctx.storage.recordArchive(record);
      this.ctx.log.info(
        { operation: op.id, archive: record.file, bytes: record.bytes, ms: Date.now() - started, ...record.counts },
        'operation archived',
      );
      return record;
    })().finally(() => this.writing.delete(op.id));
    this.writing.set(op.id, task);
    return task;
  }

  /**
   * The file of an archive: its path, null when it is missing; `ARCHIVE_ELSEWHERE` when another
   * instance wrote it into a directory this one does not share.
   */
  async file(
    user: Principal,
    operationId: string,
    archiveId: string,
  ): Promise<{ path: string | null; record: ArchiveRecord }> {
    const record = (await this.list(user, operationId)).find((a) => a.id === archiveId);
    if (!record) throw new AppError('NOT_FOUND', `no archive ${archiveId} of ${operationId}`);
    return { path: await this.files.locate(record), record };
  }

  /**
   * Purge a closed operation's update logs, snapshots and the fixes its archive holds, after that
   * archive (named with its SHA-256: what the caller keeps) is verified again
   * ({@link ArchivePurges.purge}). Refused under an evidence hold and while an archive of it is
   * written. A purge under way (a crash cut it short) is finished by asking again.
   */
  async purge(user: Principal, operationId: string, archiveId: string, sha256: string): Promise<Operation> {
    requireCommander(user, 'purge operations');
    const op = await getVisibleOperation(this.ctx, user, operationId);
    if (op.purgedAt != null) {
      const underWay = (await this.ctx.storage.purgesUnderWay()).find((p) => p.operationId === op.id);
      if (!underWay) throw new AppError('OPERATION_PURGED', `operation ${op.id} was purged already`);
      await this.purges.resume(op, underWay.archiveId, user.id);
      return (await this.ctx.storage.getOperation(op.id))!;
    }
    if (op.status !== 'closed' || op.closedAt == null)
      throw new AppError('CONFLICT', `operation ${op.id} is still active`);
    if (await this.ctx.storage.operationHold(op.id))
      throw new AppError('CONFLICT', `operation ${op.id} is under an evidence hold: lift it before purging`);
    if (this.writing.has(op.id))
      throw new AppError('CONFLICT', `an archive of ${op.id} is being written: purge once it is done`);
    const record = (await this.list(user, operationId)).find((a) => a.id === archiveId);
    if (!record) throw new AppError('NOT_FOUND', `no archive ${archiveId} of ${operationId}`);
    await this.purges.purge(op, record, sha256, user.id);
    return (await this.ctx.storage.getOperation(op.id))!;
  }

  /** Finish, in the background, every purge a crash cut short (at start: a track may take minutes). */
  resumePurges(): void {
    this.purges.resumeAll();
  }

  /** Stop deleting fixes (the server stops): purges under way are finished at the next start. */
  stop(): Promise<void> {
    return this.purges.stop();
  }

  /** Restore an uploaded archive file as a read-only operation of this instance. */
  async restore(user: Principal, file: string): Promise<Operation> {
    try {
      requireCommander(user, 'restore archives');
      const archive = await this.files.open(file);
      try {
        const op = await restoreArchive(
          this.ctx.storage,
          archive,
          user.id,
          Date.now(),
          () => sha256OfFile(file),
          this.restores,
        );
        this.ctx.log.info({ operation: op.id, user: user.id, ...archive.manifest.counts }, 'operation restored');
        return op;
      } finally {
        await archive.close();
      }
    } finally {
      await rm(file, { force: true });
    }
  }
}
