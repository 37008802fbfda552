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

  constructor(private readonly session: OperationSession) {}

  /** Start with a file: into the user's own station's document when writable, else the first writable. */
  async open(file: File): Promise<void> {
    const writable = this.session.writableScopes;
    const own = this.session.user.stationId;
    this.file = file;
    this.scope = own && writable.includes(own) ? own : (writable[0] ?? null);
    this.crs = 'wgs84';
    this.done = null;
    await this.refresh();
  }

  /** Preview again (after the target document or the CRS changed). */
  async refresh(): Promise<void> {
    if (!this.file || !this.scope) return;
    await this.run(async () => {
      this.preview = await importFile(this.session.data.view.id, this.file!, {
        scope: this.scope!,
        crs: this.crs,
        apply: false,
      });
    });
  }

  async apply(): Promise<void> {
    if (!this.file || !this.scope) return;
    await this.run(async () => {
      const result = await importFile(this.session.data.view.id, this.file!, {
        scope: this.scope!,
        crs: this.crs,
        apply: true,
      });
      this.done = result.annotations.length;
      this.close();
    });
  }

  close(): void {
    this.file = null;
    this.preview = null;
    this.error = null;
  }

  private async run(what: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      await what();
    } catch (err) {
      this.error = errorText(err);
      this.preview = null;
    } finally {
      this.busy = false;
    }
  }
}

const drafts = new WeakMap<OperationSession, ImportDraft>();

export function importDraftOf(session: OperationSession): ImportDraft {
  let d = drafts.get(session);
  if (!d) drafts.set(session, (d = new ImportDraft(session)));
  return d;
}
