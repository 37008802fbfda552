import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { docName, parseDocName } from '@jointmap/shared';
import type { ArchiveRecord, Operation, Storage } from '../storage/types.ts';
import { trackFixes } from '../storage/track-pages.ts';
import {
  ALERTS_FILE,
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  documentFile,
  MANIFEST,
  OPERATION_FILE,
  TRACKS_FILE,
  type ArchivedOperation,
  type ArchiveFileEntry,
  type Manifest,
} from './archive-format.ts';

/** A file of the archive being written: size, SHA-256 and record count as it goes. */
class HashedFile {
  private readonly hash = createHash('sha256');
  private readonly out: WriteStream;
  bytes = 0;
  records = 0;

  constructor(
    dir: string,
    readonly path: string,
  ) {
    this.out = createWriteStream(join(dir, path));
  }

  async line(value: unknown): Promise<void> {
    const chunk = Buffer.from(`${JSON.stringify(value)}\n`, 'utf8');
    this.hash.update(chunk);
    this.bytes += chunk.byteLength;
    this.records++;
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }

  async close(): Promise<ArchiveFileEntry> {
    this.out.end();
    await once(this.out, 'finish');
    return { path: this.path, bytes: this.bytes, sha256: this.hash.digest('hex'), records: this.records };
  }
}

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface WriteArchiveInput {
  storage: Storage;
  /** `ARCHIVE_DIR`: where the file is written. */
  archiveDir: string;
  /** Who writes it ({@link ArchiveRecord.instance}). */
  instance: string;
  /** Name of the working directory under `archiveDir`, before its random part (default `.writing-`). */
  workPrefix?: string;
  operation: Operation & { closedAt: number };
  createdBy: string;
  now: number;
  /** Called with the fixes written so far (progress of long exports). */
  onProgress?(fixes: number): void;
}

/**
 * Write an archive of a closed operation into `archiveDir` and return its record (the
 * caller stores it). Reads go through the storage interface in short calls, so ingest and
 * relays go on meanwhile; the file appears under its final name only when complete.
 */
export async function writeArchive(input: WriteArchiveInput): Promise<ArchiveRecord> {
  const { storage, operation: op } = input;
  const dir = input.archiveDir;
  await mkdir(dir, { recursive: true });
  const work = await mkdtemp(join(dir, input.workPrefix ?? '.writing-'));
  try {
    await mkdir(join(work, 'documents'));
    const files: ArchiveFileEntry[] = [];
    const documents: Manifest['documents'] = [];

    const allStations = await storage.listStations();
    const hold = await storage.operationHold(op.id);
    const archived: ArchivedOperation = {
      operation: {
        id: op.id,
        name: op.name,
        kind: op.kind,
        stations: op.stations,
        createdBy: op.createdBy,
        createdAt: op.createdAt,
        closedAt: op.closedAt,
      },
      stations: allStations.filter((s) => op.stations.includes(s.id)),
      hold: hold ? { keptBy: hold.keptBy, keptAt: hold.keptAt } : null,
    };
    const opFile = new HashedFile(work, OPERATION_FILE);
    await opFile.line(archived);
    files.push(await opFile.close());

    let updates = 0;
    for (const scope of ['command', ...op.stations]) {
      const name = docName(op.id, scope);
      const log = await storage.readUpdateLog(name);
      const file = new HashedFile(work, documentFile(parseDocName(name)!.scope));
      for (const u of log) {
        await file.line({
          seq: u.seq,
          time: u.time,
          sessionId: u.sessionId,
          userId: u.userId,
          update: Buffer.from(u.update).toString('base64'),
        });
      }
      files.push(await file.close());
      documents.push({ doc: name, scope, updates: log.length, lastSeq: log.at(-1)?.seq ?? 0 });
      updates += log.length;
    }

    const window = { from: op.createdAt, to: op.closedAt };
    const tracks = new HashedFile(work, TRACKS_FILE);
    for (const stationId of op.stations) {
      for (const unitId of await storage.trackUnitsOfStation(stationId)) {
        for await (const f of trackFixes(storage, stationId, unitId, window.from, window.to + 1)) await tracks.line(f);
        input.onProgress?.(tracks.records);
      }
    }
    files.push(await tracks.close());

    const alertsFile = new HashedFile(work, ALERTS_FILE);
    const alerts = await storage.listAlerts(op.id, { limit: Number.MAX_SAFE_INTEGER });
    for (const a of alerts.reverse()) await alertsFile.line(a);
    files.push(await alertsFile.close());

    const manifest: Manifest = {
      format: ARCHIVE_FORMAT,
      version: ARCHIVE_VERSION,
      operationId: op.id,
      operationName: op.name,
      createdAt: input.now,
      createdBy: input.createdBy,
      window,
      documents,
      counts: { updates, fixes: tracks.records, alerts: alertsFile.records },
      files,
    };
    await writeFile(join(work, MANIFEST), JSON.stringify(manifest, null, 2));

    const id = `${new Date(input.now).toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
    const fileName = `${op.id}-${id}.tar.gz`;
    const partial = join(work, fileName);
    // The manifest first, so a reader learns what to expect before the bulk.
    // tar is loaded on the first archive, not at start-up (server memory).
    const tar = await import('tar');
    await tar.create({ gzip: true, file: partial, cwd: work, portable: true }, [MANIFEST, ...files.map((f) => f.path)]);
    const finalPath = join(dir, fileName);
    await rename(partial, finalPath);
    return {
      id,
      operationId: op.id,
      file: fileName,
      bytes: (await stat(finalPath)).size,
      sha256: await sha256OfFile(finalPath),
      createdAt: input.now,
      createdBy: input.createdBy,
      counts: manifest.counts,
      instance: input.instance,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
