import { forgetPending, pendingKey } from './local-copies.ts';

/** A writer still open rewrites its entry this often, so that others can tell it is alive. */
export const PENDING_BEAT_MS = 30_000;
/**
 * An entry not rewritten for this long belongs to a page that is gone (closed, crashed, discarded).
 * Generous: a background tab's timers may run only once a minute (Chrome's intensive throttling).
 */
export const PENDING_STALE_MS = 5 * 60_000;

/** One writer's count: how many edits, and when it last said it is alive (0: let go of). */
interface Entry {
  n: number;
  at: number;
}

/**
 * One document's count of unconfirmed edits, kept in localStorage for every page (tab) that has
 * the document open: each writes its own entry (`<pendingKey>#<writer>`) and the total of all
 * entries under `pendingKey`, which `unsentEditsOf` sums over a user's documents. One shared
 * count written by whichever tab changed last lost the other tabs' edits.
 *
 * A writer takes over, when it opens, the counts no page holds any more: those let go of on
 * `pagehide` or destroy (a reload), those of pages gone without a word (not rewritten for
 * {@link PENDING_STALE_MS}), and a total no entry accounts for (written before entries were kept).
 * The edits behind them are in the local copy it loads and sends; its own ledger confirms them.
 * A page only asleep past the stale limit is counted twice until the link confirms the edits:
 * too many for a while, never too few.
 */
export class PendingCount {
  private readonly key: string;
  private readonly prefix: string;
  private readonly own: string;
  private current = 0;
  private writtenAt = 0;
  private stopped = false;

  constructor(
    userId: string,
    docName: string,
    writer = Math.random().toString(36).slice(2, 10),
    private readonly storage: () => Storage = () => localStorage,
  ) {
    this.key = pendingKey(userId, docName);
    this.prefix = `${this.key}#`;
    this.own = this.prefix + writer;
  }

  /**
   * Take over the counts no open page holds (see the class) and write this writer's entry with
   * them. Returns how many edits were taken over: the caller's ledger starts with them.
   */
  claim(now = Date.now()): number {
    let claimed = 0;
    let held = 0;
    this.withStorage((s) => {
      const entries = this.entries(s);
      for (const [key, entry] of entries) {
        held += entry.n;
        if (key !== this.own && entry.at !== 0 && now - entry.at <= PENDING_STALE_MS) continue;
        claimed += entry.n;
        s.removeItem(key);
      }
      claimed += Math.max(0, (Number(s.getItem(this.key)) || 0) - held);
    });
    this.set(claimed, now);
    return claimed;
  }

  /** This writer now has `n` unconfirmed edits (its entry is removed at 0). */
  set(n: number, now = Date.now()): void {
    if (this.stopped) return;
    const grew = n > this.current;
    this.current = n;
    this.writtenAt = now;
    this.withStorage((s) => {
      const others = [...this.entries(s)].reduce((sum, [key, e]) => (key === this.own ? sum : sum + e.n), 0);
      // The order keeps a reader between the two writes from seeing a total above the entries
      // (it would take the difference over as left by an older page).
      if (grew) this.writeEntry(s, { n, at: now });
      put(s, this.key, others + n);
      if (!grew) this.writeEntry(s, { n, at: now });
    });
  }

  /** Say again that this writer is alive, if it holds edits and has not said so for a while. */
  beat(now = Date.now()): void {
    if (this.current > 0 && now - this.writtenAt >= PENDING_BEAT_MS) this.set(this.current, now);
  }

  /** This page is going (reload, close) or lets go of the document: the next to open it takes the count over at once. */
  release(): void {
    if (this.stopped || this.current === 0) return;
    this.withStorage((s) => this.writeEntry(s, { n: this.current, at: 0 }));
    this.stopped = true;
  }

  /** The local copy was dropped: every page's count of it goes, and this writer writes no more. */
  forget(): void {
    this.stopped = true;
    this.withStorage((s) => forgetPending(s, this.key));
  }

  private writeEntry(s: Storage, entry: Entry): void {
    if (entry.n > 0) s.setItem(this.own, JSON.stringify(entry));
    else s.removeItem(this.own);
  }

  /** Every writer's entry of this document. */
  private entries(s: Storage): Map<string, Entry> {
    const out = new Map<string, Entry>();
    for (let i = 0; i < s.length; i++) {
      const key = s.key(i);
      if (!key?.startsWith(this.prefix)) continue;
      const entry = parseEntry(s.getItem(key));
      if (entry) out.set(key, entry);
    }
    return out;
  }

  private withStorage(fn: (s: Storage) => void): void {
    try {
      fn(this.storage());
    } catch {
      // storage unavailable or full: only the badge count is lost
    }
  }
}

function put(s: Storage, key: string, n: number): void {
  if (n > 0) s.setItem(key, String(n));
  else s.removeItem(key);
}

function parseEntry(value: string | null): Entry | null {
  try {
    const e = JSON.parse(value ?? '') as Partial<Entry>;
    return typeof e.n === 'number' && typeof e.at === 'number' && e.n > 0 ? { n: e.n, at: e.at } : null;
  } catch {
    return null;
  }
}
