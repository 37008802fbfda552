/** When this tab last reloaded itself because the server refused it as too old (sessionStorage). */
export const OUTDATED_RELOAD_KEY = 'jointmap.outdatedReloadAt';
/** A refused client waits this long (plus up to as much again, so a room of walls does not reload at once). */
export const OUTDATED_RELOAD_DELAY_MS = 10_000;
/**
 * At most one such reload per tab in this time: if the new page is refused too (a proxy or cache
 * still serving the old build), it waits instead of reloading in a loop.
 */
export const OUTDATED_RELOAD_GAP_MS = 10 * 60_000;
/** While a reload must wait (unsent edits, someone typing), look again this often. */
const RECHECK_MS = 5_000;

export interface OutdatedReloadOptions {
  /** Edits a reload could lose or hold up (unconfirmed, or not stored on this device). */
  unsentEdits: () => number;
  /** Someone is using the page (a field has focus): their input would be lost. Default: the focused element. */
  busy?: () => boolean;
  reload?: () => void;
  storage?: Pick<Storage, 'getItem' | 'setItem'>;
  now?: () => number;
  delayMs?: number;
  random?: () => number;
}

/** A text field, list or editable element has the focus: someone is typing into the page. */
export function typing(): boolean {
  const el = typeof document === 'undefined' ? null : document.activeElement;
  return !!el && (el.matches('input, textarea, select') || (el as HTMLElement).isContentEditable);
}

/**
 * Reload the page soon because the server refused this client as too old (`CLIENT_TOO_OLD`): the
 * new build then loads, and with it the live channel (positions, alerts, coverage) comes back,
 * which matters most on an unattended wall. Never while edits are unsent or not stored here, nor
 * while someone types, and at most once per {@link OUTDATED_RELOAD_GAP_MS} per tab. Returns the
 * function that cancels it.
 *
 * @example $effect(() => (live.outdated ? reloadWhenSafe({ unsentEdits: () => session.pending }) : undefined));
 */
export function reloadWhenSafe(options: OutdatedReloadOptions): () => void {
  const {
    unsentEdits,
    busy = typing,
    reload = () => location.reload(),
    storage = sessionStorageOrNull(),
    now = Date.now,
    delayMs = OUTDATED_RELOAD_DELAY_MS,
    random = Math.random,
  } = options;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const attempt = (): void => {
    if (unsentEdits() > 0 || busy()) return void (timer = setTimeout(attempt, RECHECK_MS));
    const last = Number(readItem(storage)) || 0;
    const wait = last + OUTDATED_RELOAD_GAP_MS - now();
    if (last && wait > 0) return void (timer = setTimeout(attempt, wait));
    // Without a place to note the reload, nothing would stop a loop: the message stays instead.
    if (writeItem(storage, String(now()))) reload();
  };
  timer = setTimeout(attempt, delayMs + Math.floor(random() * delayMs));
  return () => clearTimeout(timer);
}

function sessionStorageOrNull(): Pick<Storage, 'getItem' | 'setItem'> | null {
  try {
    return sessionStorage;
  } catch {
    return null;
  }
}

function readItem(storage: Pick<Storage, 'getItem'> | null): string | null {
  try {
    return storage?.getItem(OUTDATED_RELOAD_KEY) ?? null;
  } catch {
    return null;
  }
}

function writeItem(storage: Pick<Storage, 'setItem'> | null, value: string): boolean {
  try {
    storage?.setItem(OUTDATED_RELOAD_KEY, value);
    return !!storage;
  } catch {
    return false;
  }
}
