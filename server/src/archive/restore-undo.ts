import { createReadStream } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '@jointmap/shared';
import { isStorageFull } from '../storage/storage-full.ts';
import type { FixKey, Storage, UnitFixKey } from '../storage/types.ts';
import { splitLines } from './split-lines.ts';

/** Fixes taken back per storage call. */
const BATCH = 1_000;

/**
 * What a restore wrote before its operation's transaction (the fixes and alerts it added, not
 * those already stored), so that a restore that fails takes back exactly that and leaves nothing
 * behind: no fixes or alerts of an operation that does not exist. The fixes' keys go to a file in
 * the archive's unpacking directory (a restore may add millions), the alerts' ids are kept here.
 */
export class RestoreUndo {
  private readonly fixesFile: string;
  private fixes = 0;
  private readonly alerts: string[] = [];

  constructor(
    private readonly storage: Storage,
    private readonly operationId: string,
    workDir: string,
  ) {
    this.fixesFile = join(workDir, '.restored-fixes.ndjson');
  }

  async addedFixes(keys: readonly UnitFixKey[]): Promise<void> {
    if (!keys.length) return;
    await appendFile(this.fixesFile, keys.map((k) => `${JSON.stringify(k)}\n`).join(''));
    this.fixes += keys.length;
  }

  addedAlert(id: string): void {
    this.alerts.push(id);
  }

  /** Delete what was added: the alerts, then the fixes a unit's batch at a time, read back as written. */
  async run(): Promise<void> {
    await this.storage.dropRestoredAlerts(this.operationId, this.alerts);
    if (!this.fixes) return;
    let unit = null as UnitFixKey | null;
    let keys: FixKey[] = [];
    const drop = async () => {
      if (unit && keys.length) await this.storage.dropRestoredFixes(unit.stationId, unit.unitId, keys);
      keys = [];
    };
    const lines = splitLines(
      createReadStream(this.fixesFile) as AsyncIterable<Buffer>,
      2 ** 16,
      (n) => new Error(`line ${n} of ${this.fixesFile} is too long`),
    );
    for await (const line of lines) {
      if (!line) continue;
      const k = JSON.parse(line) as UnitFixKey;
      if (unit?.stationId !== k.stationId || unit.unitId !== k.unitId || keys.length >= BATCH) {
        await drop();
        unit = k;
      }
      keys.push({ time: k.time, deviceId: k.deviceId });
    }
    await drop();
  }
}

/**
 * What a restore that failed while writing answers: its own refusals and a full disk or an
 * unreachable store as they are; anything else the store threw is a record of the archive that
 * the store would not take (the checks before writing let it through): `ARCHIVE_INVALID`, with
 * nothing of it kept, never a 500 with half an operation left behind.
 */
export function restoreFailure(err: unknown): unknown {
  if (err instanceof AppError || isStorageFull(err)) return err;
  return new AppError(
    'ARCHIVE_INVALID',
    `the store refused a record of the archive (${(err as Error)?.message ?? String(err)}): nothing of it was restored`,
  );
}
