import type { Search, Sector, TimelineEvent } from '@jointmap/shared';

/** A sector as one event names it: its split, and whether that split was in force then. */
interface Mention {
  /** `searchId` + `splitId`, or null for a sector of no search (always listed). */
  split: string | null;
  searchId: string | null;
  splitId: string | null;
  inForce: boolean;
}

const splitKey = (searchId: string, splitId: string | null) => `${searchId}\u0000${splitId ?? ''}`;

/**
 * Keeps a task's timeline to the splits of its search that were used (see `inCurrentSplit`).
 * A search's area can be split more than once: two commanders creating it at once (one split's
 * record wins) or a console that had not seen the first split creating it again. A commander reads
 * the timeline for what the sectors on the console went through, so:
 *
 * - the split in force at the end of the log is listed whole;
 * - a split that was replaced is listed (its creation, its removals, and what was done to its
 *   sectors while it was in force) only if someone assigned a sector of it or changed a sector's
 *   status while it was in force: real history, e.g. 'A1 cleared' before a late re-split;
 * - a split nobody worked on before it lost (the usual concurrent creation, whichever order its
 *   updates reached the server in) leaves no line: nobody worked its sectors, shown for moments at most.
 *
 * Changes to a replaced split's sectors after it was replaced are not listed either (no console
 * showed those sectors any more). Sectors of no search, or of a search never seen, are all listed.
 */
export class SplitLedger {
  /** Search id → the split its record named when last seen (kept after the record's removal). */
  private readonly splits = new Map<string, string | null>();
  /** Splits someone assigned a sector of, or set a sector's status in, while they were in force. */
  private readonly worked = new Set<string>();
  private readonly mentions = new Map<TimelineEvent, Mention[]>();

  /** A search record as the log now has it. */
  search(search: Search): void {
    this.splits.set(search.id, search.splitId ?? null);
  }

  /** Record that `event` names `sectors` (in `detail` order), as the document stands now. */
  note(event: TimelineEvent, sectors: readonly Sector[]): void {
    const mentions = sectors.map((s) => this.mention(s));
    this.mentions.set(event, mentions);
    if (event.type !== 'sector_assigned' && event.type !== 'sector_status') return;
    for (const m of mentions) if (m.split !== null && m.inForce) this.worked.add(m.split);
  }

  /** The events with the sectors of unused splits left out (an event naming none of the rest goes). */
  keep(events: readonly TimelineEvent[]): TimelineEvent[] {
    const out: TimelineEvent[] = [];
    for (const e of events) {
      const mentions = this.mentions.get(e);
      if (!mentions) out.push(e);
      else if (e.type === 'sectors_created' || e.type === 'sectors_removed') {
        // One update can name sectors of two splits (a merged sync): only the listed ones stay.
        const kept = withSectors(e, (i) => this.listed(mentions[i]!));
        if (kept) out.push(kept);
      } else if (mentions.every((m) => this.current(m) || m.inForce)) out.push(e);
    }
    return out;
  }

  private mention(sector: Sector): Mention {
    const searchId = sector.searchId ?? null;
    const splitId = sector.splitId ?? null;
    if (searchId === null) return { split: null, searchId, splitId, inForce: true };
    const now = this.splits.get(searchId);
    // A search not seen (yet) cannot say: its sectors count, as `supersededSector` has it.
    return { split: splitKey(searchId, splitId), searchId, splitId, inForce: now === undefined || now === splitId };
  }

  /** Whether a mention is of the split in force at the end of the log (or of none it can judge). */
  private current(m: Mention): boolean {
    if (m.searchId === null) return true;
    const last = this.splits.get(m.searchId);
    return last === undefined || last === m.splitId;
  }

  /** Whether a mention's sectors are listed at all: of the split in force at the end, or of a used one. */
  private listed(m: Mention): boolean {
    return m.split === null || this.current(m) || this.worked.has(m.split);
  }
}

/** `event` with only the sectors at the indices `keep` accepts; null when none is left. */
function withSectors<E extends { detail: { sectors: readonly unknown[] } }>(
  event: E,
  keep: (index: number) => boolean,
): E | null {
  const sectors = event.detail.sectors.filter((_, i) => keep(i));
  if (sectors.length === event.detail.sectors.length) return event;
  return sectors.length ? ({ ...event, detail: { ...event.detail, sectors } } as E) : null;
}
