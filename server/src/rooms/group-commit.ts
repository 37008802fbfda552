import type { DocStore, UpdateAuthor } from '../storage/types.ts';

/** One change waiting to be written, or (`update` null) a step that only has to run in order after those before it. */
export interface CommitEntry {
  update: Uint8Array | null;
  author: UpdateAuthor;
  /** Runs once the entry is durable (`seq`: its sequence number; 0 for a step), in order. Not run when the append failed. */
  durable(seq: number): void;
}

/** More entries than this waiting: the room writes them before applying more (bounded memory). */
export const MAX_BATCH = 256;

/**
 * Group commit for one room: changes applied in memory during one tick (by default the rest of
 * the current event-loop turn: every message that arrived in the same read) are appended in one
 * storage transaction, and only then relayed (each entry's `durable` runs, in order). Batches are
 * written one after the other, so sequence numbers follow the order of the changes.
 *
 * `tickMs` 0 writes at the end of the event-loop turn (`setImmediate`); more waits that long.
 */
export class GroupCommit {
  private batch: CommitEntry[] = [];
  private scheduled = false;
  private chain: Promise<void> = Promise.resolve();
  private failed = false;
  /** Batches handed to storage and not yet settled. */
  private writing = 0;

  constructor(
    private readonly doc: string,
    private readonly store: DocStore,
    private readonly tickMs: number,
    private readonly onFail: (error: unknown) => void,
  ) {}

  /** Queue an entry; it is written with the others of its tick. */
  add(entry: CommitEntry): void {
    if (this.failed) return;
    this.batch.push(entry);
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.tickMs > 0) setTimeout(this.writeScheduled, this.tickMs);
    else setImmediate(this.writeScheduled);
  }

  private readonly writeScheduled = () => {
    this.scheduled = false;
    void this.flush();
  };

  /** Entries waiting (not yet handed to storage). */
  get waiting(): number {
    return this.batch.length;
  }

  /** Nothing waits and nothing is being written. */
  get empty(): boolean {
    return this.batch.length === 0 && this.writing === 0;
  }

  /**
   * Write everything queued so far. Resolves once it is durable and every entry's `durable` has
   * run, or once the append failed (`onFail` was called and nothing more is written).
   */
  flush(): Promise<void> {
    if (this.batch.length === 0) return this.chain;
    const batch = this.batch;
    this.batch = [];
    this.writing++;
    this.chain = this.chain.then(() => this.write(batch)).finally(() => this.writing--);
    return this.chain;
  }

  private async write(batch: CommitEntry[]): Promise<void> {
    if (this.failed) return;
    const writes = batch.filter((e) => e.update !== null);
    let seqs: number[] = [];
    try {
      if (writes.length) seqs = await appendAll(this.store, this.doc, writes);
    } catch (err) {
      this.failed = true;
      this.batch = [];
      this.onFail(err);
      return;
    }
    let i = 0;
    for (const entry of batch) {
      const seq = entry.update === null ? 0 : seqs[i++]!;
      try {
        entry.durable(seq);
      } catch (err) {
        this.onFail(err);
      }
    }
  }
}

/** Append updates of one document in order: one transaction where the store can, else one by one. */
async function appendAll(store: DocStore, doc: string, entries: readonly CommitEntry[]): Promise<number[]> {
  if (entries.length > 1 && store.appendUpdates)
    return store.appendUpdates(entries.map((e) => ({ doc, update: e.update!, author: e.author })));
  const seqs: number[] = [];
  for (const e of entries) seqs.push(await store.appendUpdate(doc, e.update!, e.author));
  return seqs;
}
