import * as Y from 'yjs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { LoggedUpdate, UpdateLogStore } from '../storage/types.ts';

/** A long log is applied in slices of this many updates: the server answers others meanwhile. */
export const YIELD_EVERY = 500;

/** Rows of a log read at a time (a SQLite read is synchronous: a page, then a turn of the event loop). */
export const LOG_PAGE = 2_000;

/**
 * A document's update log from the store (the updates after `afterSeq`, up to `throughSeq` when
 * given: none stored after it is read), oldest first, a page of at most `pageSize` updates at a
 * time (`readUpdateLogPage`) with a turn of the event loop after each page, never whole: a
 * synchronous read of a long log would hold every other request meanwhile.
 */
export async function* logPages(
  store: Pick<UpdateLogStore, 'readUpdateLogPage'>,
  doc: string,
  pageSize = LOG_PAGE,
  afterSeq = 0,
  throughSeq?: number,
): AsyncGenerator<LoggedUpdate[]> {
  for (;;) {
    const read = await store.readUpdateLogPage(doc, afterSeq, pageSize, throughSeq);
    // The bound holds whatever the store does with it (a wrapper that drops the argument).
    const page = throughSeq === undefined ? read : read.filter((u) => u.seq <= throughSeq);
    if (page.length) yield page;
    if (read.length < pageSize || page.length < read.length) return;
    afterSeq = page.at(-1)!.seq;
    if (throughSeq !== undefined && afterSeq >= throughSeq) return;
    await yieldToEventLoop();
  }
}

/**
 * Whether any log has updates after its mark in `marks` (document → last seq read), from the heads
 * of all of them read in one statement: a lookup of each log's last key, never a read of the log.
 */
export async function logsGrewPast(
  store: Pick<UpdateLogStore, 'readUpdateLogHeads'>,
  marks: ReadonlyMap<string, number>,
): Promise<boolean> {
  const heads = await store.readUpdateLogHeads([...marks.keys()]);
  return [...marks].some(([doc, seq]) => (heads.get(doc) ?? 0) > seq);
}

/** One record key changed by one logged update; `value` undefined: the key was deleted. */
export interface KeyChange {
  map: string;
  key: string;
  value: unknown;
  update: LoggedUpdate;
  /** The record the key held before this update (undefined: none). */
  old: unknown;
}

/**
 * Applies logged updates to one document in order and reports, per update, the record keys it
 * changed in the watched top-level maps (Yjs map events name them), so a reader pays one apply per
 * update however many records there are. Used by the report (one pass) and by replay (which keeps
 * the walker and its document to take checkpoints as it goes).
 */
export class LogWalker {
  readonly doc = new Y.Doc();
  /** How many updates of the log have been applied. */
  applied = 0;
  private current: LoggedUpdate | null = null;
  private readonly offs: Array<() => void> = [];

  constructor(maps: readonly string[], onChange: (c: KeyChange) => void) {
    for (const name of maps) {
      const m = this.doc.getMap(name);
      const fn = (e: Y.YMapEvent<unknown>) => {
        for (const key of e.keysChanged) {
          const old = e.changes.keys.get(key);
          onChange({
            map: name,
            key,
            value: m.get(key),
            update: this.current!,
            old: old?.action === 'add' ? undefined : old?.oldValue,
          });
        }
      };
      m.observe(fn);
      this.offs.push(() => m.unobserve(fn));
    }
  }

  /**
   * Apply `log[applied..to)`, yielding to the event loop every {@link YIELD_EVERY} updates;
   * `each` runs after every update (e.g. to take a checkpoint).
   */
  async advance(log: readonly LoggedUpdate[], to: number, each?: (applied: number) => void): Promise<void> {
    for (let i = this.applied; i < Math.min(to, log.length); i++) {
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
      const u = log[i]!;
      this.current = u;
      Y.applyUpdate(this.doc, u.update);
      this.applied = i + 1;
      each?.(this.applied);
    }
    this.current = null;
  }

  destroy(): void {
    for (const off of this.offs.splice(0)) off();
    this.doc.destroy();
  }
}
