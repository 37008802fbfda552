import { readdir, rm } from 'node:fs/promises';
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
import { openArchive } from './archive-reader.ts';
import { archiveDir, sha256OfFile, writeArchive } from './archive-writer.ts';
import { purgeFixes } from './purge-fixes.ts';
import { restoreArchive, verifyArchive } from './archive-restore.ts';
import type { ClosedListener } from './operation-watch.ts';

/**
 * The life of an operation after the work: a commander closes it (its documents become
 * read-only), exports it as one archive file, may purge its bulky data once the archive is
 * verified, and restores archives (read-only) on any instance. See docs/retention.md, "Archives".
 */
export class ArchiveService {
  /** Archives being written, by operation (one at a time per operation). */
  private readonly writing = new Map<string, Promise<ArchiveRecord>>();
  /** Purges deleting their fixes in this process, by operation (one at a time per operation). */
  private readonly purging = new Map<string, Promise<void>>();
  /** The purges resumed at start, while they run. */
  private resuming: Promise<void> | null = null;
  private stopping = false;

  constructor(
    private readonly ctx: AppContext,
    /** Told when an operation closes: its alerts stop, its live viewers are narrowed. */
    private readonly closed?: ClosedListener,
  ) {}

  /** Remove what a crash left half-written or half-read under `archives/`. */
  async sweep(): Promise<void> {
    const dir = archiveDir(this.ctx.config.dataDir);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const n of names)
      if (/^\.(writing|reading|upload)-/.test(n)) await rm(join(dir, n), { recursive: true, force: true });
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
      const record = await writeArchive({
        storage: this.ctx.storage,
        dataDir: this.ctx.config.dataDir,
        operation: { ...op, closedAt: op.closedAt! },
        createdBy: user.id,
        now: started,
      });
      // Purged while it was being written: what it read may be partial, so it is not kept.
      if ((await this.ctx.storage.getOperation(op.id))?.purgedAt != null) {
        await rm(join(archiveDir(this.ctx.config.dataDir), record.file), { force: true });
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

  /** The file of an archive this instance wrote. */
  async file(
    user: Principal,
    operationId: string,
    archiveId: string,
  ): Promise<{ path: string; record: ArchiveRecord }> {
    const record = (await this.list(user, operationId)).find((a) => a.id === archiveId);
    if (!record) throw new AppError('NOT_FOUND', `no archive ${archiveId} of ${operationId}`);
    return { path: join(archiveDir(this.ctx.config.dataDir), record.file), record };
  }

  /**
   * Purge a closed operation's update logs, snapshots and track fixes after a verified archive:
   * the caller names the archive and its SHA-256 (what it keeps); the file is re-read and must
   * match its record and its manifest, and the manifest must still describe every document
   * update in storage. Fixes within the window of another operation of the same station that is
   * not purged are kept. Refused under an evidence hold. Alerts stay (they are small).
   *
   * The documents go, and the purge is recorded as under way, in one transaction; the fixes go
   * after, in batches, and only then is it no longer under way. A purge a crash cut short is
   * finished at the next start, or by asking for it again (then with the archive it began with).
   */
  async purge(user: Principal, operationId: string, archiveId: string, sha256: string): Promise<Operation> {
    requireCommander(user, 'purge operations');
    const op = await getVisibleOperation(this.ctx, user, operationId);
    if (op.purgedAt != null) {
      const underWay = (await this.ctx.storage.purgesUnderWay()).find((p) => p.operationId === op.id);
      if (!underWay) throw new AppError('OPERATION_PURGED', `operation ${op.id} was purged already`);
      await this.purgeFixesOf(op, underWay.archiveId, user.id);
      return (await this.ctx.storage.getOperation(op.id))!;
    }
    if (op.status !== 'closed' || op.closedAt == null)
      throw new AppError('CONFLICT', `operation ${op.id} is still active`);
    if (await this.ctx.storage.operationHold(op.id))
      throw new AppError('CONFLICT', `operation ${op.id} is under an evidence hold: lift it before purging`);
    if (this.writing.has(op.id))
      throw new AppError('CONFLICT', `an archive of ${op.id} is being written: purge once it is done`);
    const { path, record } = await this.file(user, operationId, archiveId);
    if (record.sha256 !== sha256) throw new AppError('CONFLICT', 'that checksum is not the archive’s: nothing purged');
    if ((await sha256OfFile(path).catch(() => null)) !== record.sha256)
      throw new AppError('ARCHIVE_INVALID', `the archive file ${record.file} is missing or changed: nothing purged`);
    const archive = await openArchive(path, archiveDir(this.ctx.config.dataDir), this.maxBytes);
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
    } finally {
      await archive.close();
    }

    const now = Date.now();
    const names = operationDocNames(op.id, op.stations);
    // No document of it loads here while they are deleted; rooms loaded (or loading) now are
    // unloaded first, so nothing can write its old state back after the deletion. Once storage
    // marks the operation purged, room managers refuse them on its word (on every instance, until
    // a restore on any of them).
    this.ctx.rooms.block(names);
    try {
      await Promise.all(names.map((name) => this.ctx.rooms.evict(name)));
      if (!(await this.ctx.storage.purgeOperationDocs(op.id, names, now, record.id)))
        throw new AppError('CONFLICT', `operation ${op.id} is under an evidence hold: lift it before purging`);
    } finally {
      this.ctx.rooms.unblock(names);
    }
    await this.purgeFixesOf(op, record.id, user.id);
    return (await this.ctx.storage.getOperation(op.id))!;
  }

  /** Finish, in the background, every purge a crash cut short (at start: a track may take minutes). */
  resumePurges(): void {
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
   * Delete the fixes of an operation whose documents were purged after archive `archiveId`, then
   * record its purge as no longer under way. One run per operation in this process: a second
   * request waits for the first. An evidence hold or a restore of the operation (on any instance)
   * stops it at its next batch, and so does the server stopping: what is left stays until it is
   * asked for again.
   */
  private purgeFixesOf(op: Operation, archiveId: string, userId: string | null): Promise<void> {
    const running = this.purging.get(op.id);
    if (running) return running;
    const task = (async () => {
      if (await this.ctx.storage.operationHold(op.id))
        throw new AppError('CONFLICT', `operation ${op.id} is under an evidence hold: lift it to finish its purge`);
      const record = (await this.ctx.storage.listArchives(op.id)).find((a) => a.id === archiveId);
      if (!record || op.closedAt == null)
        throw new AppError('NOT_FOUND', `no archive ${archiveId} of ${op.id}: its purge cannot finish`);
      const { retentionBatch } = this.ctx.config;
      const closed = { ...op, closedAt: op.closedAt };
      const fixes = await purgeFixes(this.ctx.storage, closed, record, retentionBatch, () => {
        if (this.stopping)
          throw new AppError(
            'STORAGE_UNAVAILABLE',
            `the server is stopping: the purge of ${op.id} finishes at its next start`,
          );
      });
      if (fixes === null) {
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
      await this.ctx.storage.finishPurge(op.id, archiveId);
      this.ctx.log.info({ operation: op.id, archive: record.file, fixes, user: userId }, 'operation purged');
    })().finally(() => this.purging.delete(op.id));
    this.purging.set(op.id, task);
    return task;
  }

  /** Restore an uploaded archive file as a read-only operation of this instance. */
  async restore(user: Principal, file: string): Promise<Operation> {
    try {
      requireCommander(user, 'restore archives');
      const archive = await openArchive(file, archiveDir(this.ctx.config.dataDir), this.maxBytes);
      try {
        const op = await restoreArchive(this.ctx.storage, archive, user.id, Date.now());
        this.ctx.log.info({ operation: op.id, user: user.id, ...archive.manifest.counts }, 'operation restored');
        return op;
      } finally {
        await archive.close();
      }
    } finally {
      await rm(file, { force: true });
    }
  }

  private get maxBytes(): number {
    return this.ctx.config.archiveMaxMib * 2 ** 20;
  }
}
