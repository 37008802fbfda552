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
  busy = $state(false);
  error = $state<string | null>(null);
  /** How many annotations the last apply wrote (shown until the next file). */
  done = $state<number | null>(null);
  /**
   * Bumped by every request and by `close`: only the answer to the newest request counts. A
   * preview of the CRS or file the user has since changed may come back last; shown, it would put
   * the features where the apply will not.
   */
  #latest = 0;

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

  /** Preview again (after the target document or the CRS changed). */
  async refresh(): Promise<void> {
    if (!this.file || !this.scope) return;
    await this.run(
      importFile(this.session.data.view.id, this.file, { scope: this.scope, crs: this.crs, apply: false }),
      (preview) => (this.preview = preview),
    );
  }

  async apply(): Promise<void> {
    if (!this.file || !this.scope) return;
    await this.run(
      importFile(this.session.data.view.id, this.file, { scope: this.scope, crs: this.crs, apply: true }),
      (result) => {
        this.done = result.annotations.length;
        this.close();
      },
    );
  }

  close(): void {
    this.#latest++;
    this.busy = false;
    this.file = null;
    this.preview = null;
    this.error = null;
  }

  /** Wait for `request`; its answer (or failure) is shown only if no newer request or close came since. */
  private async run<T>(request: Promise<T>, answered: (value: T) => void): Promise<void> {
    const mine = ++this.#latest;
    this.busy = true;
    this.error = null;
    try {
      const value = await request;
      if (mine === this.#latest) answered(value);
    } catch (err) {
      if (mine !== this.#latest) return;
      this.error = errorText(err);
      this.preview = null;
    } finally {
      if (mine === this.#latest) this.busy = false;
    }
  }
}

const drafts = new WeakMap<OperationSession, ImportDraft>();

export function importDraftOf(session: OperationSession): ImportDraft {
  let d = drafts.get(session);
  if (!d) drafts.set(session, (d = new ImportDraft(session)));
  return d;
}
