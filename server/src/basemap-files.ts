import { statSync } from 'node:fs';
import { basemapFormat, pmtilesTileType, type BasemapFormat } from './basemap-format.ts';
import type { BasemapSourceConfig } from './config.ts';

/** What a configured PMTiles file can be served as right now. */
export type PmtilesFileState =
  | {
      available: true;
      format: BasemapFormat;
      size: number;
      /** Strong validator of this version of the file (size and modification time). */
      etag: string;
      lastModified: Date;
    }
  | { available: false; reason: string };

interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
}

/**
 * How long a look at a PMTiles file stands: within it a burst of tile requests (a map opening asks
 * for dozens at once) shares one `stat`; a file copied in, removed or replaced is noticed after it.
 */
export const BASEMAP_RECHECK_MS = 1000;

/**
 * The PMTiles files of the configured basemaps, looked at when asked (the config list, a tile
 * request) rather than once at start: an operator may copy a file in, fix a typo'd name or replace
 * an archive while the server runs. A file is read again only when its size or modification time
 * changed; each change of state is logged once, so a missing file is named in the log at start and
 * a long-missing one does not flood it. A file is looked at no more than once in
 * {@link BASEMAP_RECHECK_MS}: a change shows within that.
 *
 * The header decides the format, as at start. The configured `format` only counts where the header
 * does not say (tile type 0, or not yet a whole PMTiles header): once start-up has checked it,
 * `loadBasemaps` no longer tells a stated format from its default, so a file that appeared later
 * is drawn as its header says.
 */
export class BasemapFiles {
  readonly #seen = new Map<string, { version: string; state: PmtilesFileState; checkedAt: number }>();
  readonly #logged = new Map<string, string>();
  readonly #now: () => number;

  /** `now`: a monotonic clock in milliseconds (tests pass their own). */
  constructor(
    private readonly log: Logger,
    { now = () => performance.now() }: { now?: () => number } = {},
  ) {
    this.#now = now;
  }

  /**
   * The state of PMTiles basemap `b` (`b.type === 'pmtiles'`), from the file as it is now, or as it
   * was less than {@link BASEMAP_RECHECK_MS} ago.
   */
  state(b: BasemapSourceConfig): PmtilesFileState {
    const checkedAt = this.#now();
    const recent = this.#seen.get(b.id);
    if (recent && checkedAt - recent.checkedAt < BASEMAP_RECHECK_MS) return recent.state;
    const file = b.file ?? '';
    let state: PmtilesFileState;
    let version = '';
    try {
      const stat = statSync(file);
      if (!stat.isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOTFILE' });
      version = `${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}`;
      if (recent?.version === version) {
        recent.checkedAt = checkedAt;
        return recent.state;
      }
      state = this.#probe(b, file, stat.size, version, stat.mtime);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const why =
        code === 'ENOENT'
          ? 'does not exist'
          : code === 'ENOTFILE'
            ? 'is not a file'
            : `cannot be read (${String(code)})`;
      state = { available: false, reason: `PMTiles file ${file} ${why}` };
    }
    this.#seen.set(b.id, { version, state, checkedAt });
    this.#report(b, state);
    return state;
  }

  #probe(b: BasemapSourceConfig, file: string, size: number, version: string, mtime: Date): PmtilesFileState {
    const tileType = pmtilesTileType(file);
    const format = basemapFormat({
      type: 'pmtiles',
      file,
      crs: b.crs,
      format: tileType === null || tileType === 0 ? b.format : undefined,
    });
    if (typeof format === 'object') return { available: false, reason: `PMTiles file ${file}: ${format.error}` };
    return { available: true, format, size, etag: `"${version}"`, lastModified: mtime };
  }

  #report(b: BasemapSourceConfig, state: PmtilesFileState): void {
    const line = state.available
      ? `basemap ${b.id}: serving ${b.file} as ${state.format} tiles`
      : `basemap ${b.id} is unavailable: ${state.reason}`;
    const before = this.#logged.get(b.id);
    if (before === line) return;
    this.#logged.set(b.id, line);
    // A readable file at start is the normal case and says nothing; everything else is news.
    if (!state.available) this.log.warn(line);
    else if (before !== undefined) this.log.info(line);
  }
}
