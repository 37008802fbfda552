import { errorText } from '../i18n/error-text.ts';
import type { OperationSession } from '../state/operation-session.svelte.ts';
import { importFile, type ImportCrs, type ImportResult } from './interop-api.ts';

/**
 * A file being imported in the console: dropped or picked, previewed by the server (nothing
 * written), shown on the map, then applied into the chosen document or dropped.
 */
export class ImportDraft {
  file = $state.raw<File | null>(null);
  scope = $state<string | null>(null);
  crs = $state<ImportCrs>('wgs84');
  preview = $state.raw<ImportResult | null>(null);
  /** A preview is on its way (the newest one asked for). */
  previewing = $state(false);
  /** An import is being written. */
  applying = $state(false);
  error = $state<string | null>(null);
  /** How many annotations the last apply wrote (shown until the next file). */
  done = $state<number | null>(null);
  /**
   * Bumped by every request and by `close`: only the answer to the newest request counts. A
   * preview of the CRS or file the user has since changed may come back last; shown, it would put
   * the features where the apply will not. An import is never superseded: the server writes it.
   */
  #latest = 0;

  /** Waiting for the server: 导入 stays off. */
  get busy(): boolean {
    return this.previewing || this.applying;
  }

  constructor(private readonly session: OperationSession) {}

  /** Start with a file: into the user's own station's document when writable, else the first writable. */
  async open(file: File): Promise<void> {
    const writable = this.session.writableScopes;
    const own = this.session.user.stationId;
    this.file = file;
    this.scope = own && writable.includes(own) ? own : (writable[0] ?? null);
    this.crs = 'wgs84';
    this.done = null;
    // Not the previous file's features under this file's name while its preview comes.
    this.preview = null;
    await this.refresh();
  }

  /**
   * Preview again (after the target document or the CRS changed). Only the answer to the newest
   * preview is shown, whichever comes last; a newer preview, another file or a close drops it.
   */
  async refresh(): Promise<void> {
    if (!this.file || !this.scope) return;
    const mine = ++this.#latest;
    this.previewing = true;
    this.error = null;
    try {
      const preview = await importFile(this.session.data.view.id, this.file, {
        scope: this.scope,
        crs: this.crs,
        apply: false,
      });
      if (mine === this.#latest) this.preview = preview;
    } catch (err) {
      if (mine !== this.#latest) return;
      this.error = errorText(err);
      this.preview = null;
    } finally {
      if (mine === this.#latest) this.previewing = false;
    }
  }

  /**
   * Write the file into the chosen document. Its answer always counts (the server wrote it): the
   * count is shown, and the dialog closes if it still shows that file (the user may have dropped
   * another meanwhile).
   */
  async apply(): Promise<void> {
    const file = this.file;
    if (!file || !this.scope || this.applying) return;
    this.applying = true;
    this.error = null;
    try {
      const result = await importFile(this.session.data.view.id, file, {
        scope: this.scope,
        crs: this.crs,
        apply: true,
      });
      this.done = result.annotations.length;
      if (this.file === file) this.close();
    } catch (err) {
      if (this.file === file) this.error = errorText(err);
    } finally {
      this.applying = false;
    }
  }

  close(): void {
    this.#latest++;
    this.previewing = false;
    this.file = null;
    this.preview = null;
    this.error = null;
  }
}

const drafts = new WeakMap<OperationSession, ImportDraft>();

export function importDraftOf(session: OperationSession): ImportDraft {
  let d = drafts.get(session);
  if (!d) drafts.set(session, (d = new ImportDraft(session)));
  return d;
}
