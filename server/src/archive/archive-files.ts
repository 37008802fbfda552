import { createHash } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AppError } from '@jointmap/shared';
import type { Config } from '../config.ts';
import type { ArchiveRecord } from '../storage/types.ts';
import { openArchive, type OpenedArchive } from './archive-reader.ts';
import { sha256OfFile } from './archive-writer.ts';

type Work = 'writing' | 'reading' | 'upload';

/**
 * The archive files of this instance: `ARCHIVE_DIR`, who this instance is to the records it writes
 * there, and the working files it keeps beside them. Several instances may share the directory
 * (the way to make every archive reachable from each): working names carry a tag of the instance
 * (its host and `DATA_DIR`), so the sweep at start removes only this instance's leftovers, never
 * what another instance is writing or reading at that moment.
 */
export class ArchiveFiles {
  readonly dir: string;
  /** `host:ARCHIVE_DIR`: where the files this instance writes are ({@link ArchiveRecord.instance}). */
  readonly instance: string;
  /** Who this instance is (its host and `DATA_DIR`), the same for each of its processes. */
  readonly tag: string;
  private readonly maxBytes: number;

  constructor(config: Pick<Config, 'archiveDir' | 'dataDir' | 'archiveMaxMib'>) {
    this.dir = config.archiveDir;
    this.instance = `${hostname()}:${config.archiveDir}`;
    this.tag = createHash('sha256').update(`${hostname()}:${config.dataDir}`).digest('hex').slice(0, 8);
    this.maxBytes = config.archiveMaxMib * 2 ** 20;
  }

  /** The start of a working file's or directory's name under {@link dir}. */
  work(kind: Work): string {
    return `.${kind}-${this.tag}-`;
  }

  /** Remove what a crash of this instance left half-written or half-read (and what versions before the tag left). */
  async sweep(): Promise<void> {
    const mine = new RegExp(`^\\.(writing|reading|upload)-${this.tag}-`);
    const untagged = /^\.(writing|reading)-[A-Za-z0-9]{6}$|^\.upload-[0-9a-f]{12}\.tar\.gz$/;
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const n of names)
      if (mine.test(n) || untagged.test(n)) await rm(join(this.dir, n), { recursive: true, force: true });
  }

  /**
   * The path of a recorded archive's file, or null when it is not there. `ARCHIVE_ELSEWHERE` when
   * it is not there because another instance wrote it into a directory this one does not share.
   */
  async locate(record: ArchiveRecord): Promise<string | null> {
    const path = join(this.dir, record.file);
    if (
      await stat(path).then(
        (st) => st.isFile(),
        () => false,
      )
    )
      return path;
    if (record.instance && record.instance !== this.instance)
      throw new AppError(
        'ARCHIVE_ELSEWHERE',
        `the file of archive ${record.id} is on instance ${record.instance}, not on this one (${this.instance}): ` +
          'ask that instance, or give every instance one shared ARCHIVE_DIR',
      );
    return null;
  }

  /** Unpack and verify an archive file (an upload, or one of the directory's). */
  open(file: string): Promise<OpenedArchive> {
    return openArchive(file, this.dir, this.maxBytes, { prefix: this.work('reading') });
  }

  /**
   * Open a recorded archive's file, which must be here and still be the file recorded (its
   * SHA-256): `ARCHIVE_INVALID` otherwise, `ARCHIVE_ELSEWHERE` when another instance has it.
   */
  async openRecorded(record: ArchiveRecord, nothingDone: string): Promise<OpenedArchive> {
    const path = await this.locate(record);
    if (!path || (await sha256OfFile(path).catch(() => null)) !== record.sha256)
      throw new AppError('ARCHIVE_INVALID', `the archive file ${record.file} is missing or changed: ${nothingDone}`);
    return this.open(path);
  }
}
