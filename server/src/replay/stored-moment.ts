import * as Y from 'yjs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { UpdateLogStore } from '../storage/types.ts';
import { LOG_PAGE, logPages } from '../report/log-walk.ts';

/** A document at a moment, rebuilt from the store without reading its whole log. */
export interface StoredMoment {
  doc: Y.Doc;
  /** Updates of the document stored at or before the moment. */
  updates: number;
}

/**
 * A document as it was at `at`, from the stored checkpoints: the one with the most updates among
 * those covering only updates at or before `at`, plus the updates after it stored at or before
 * `at` (a ranged read of the log). With checkpoints about every CHECKPOINT_EVERY updates stored
 * (docs/replay.md), that is one checkpoint and about that many updates, plus those after the last
 * checkpoint. With none
 * stored it is the log up to the moment. The caller owns (and destroys) the document.
 */
export async function storedDocAt(store: UpdateLogStore, doc: string, at: number): Promise<StoredMoment> {
  const cp = await store.readReplayCheckpoint(doc, at);
  const rest = await store.readUpdateLogRange(doc, cp?.seq ?? 0, at);
  const out = new Y.Doc();
  out.transact(() => {
    if (cp) Y.applyUpdate(out, cp.state);
    for (const u of rest) Y.applyUpdate(out, u.update);
  });
  return { doc: out, updates: (cp?.count ?? 0) + rest.length };
}

/**
 * A document as the store holds it now, for a reader of its final state (the report): the newest
 * stored checkpoint, then the updates after it read a page at a time (`logPages`), each page
 * applied in one transaction. Never the whole log merged in one call: `Y.mergeUpdates` grows
 * faster than the log (20,000 updates took 7 s, holding every other request), while applying
 * updates one by one costs about 5 ms per 1,000. With no checkpoint stored it is the whole log,
 * still in pages.
 *
 * The result is re-encoded into a new document, so its records come out in the order of a document
 * loaded from one encoded state (by client, then clock), as one merged update of the whole log (or
 * of a snapshot and the log after it) loads them: where the checkpoint falls does not change the
 * order the report lists records in. The caller owns (and destroys) the document.
 */
export async function storedFinalDoc(
  store: Pick<UpdateLogStore, 'readReplayCheckpoint' | 'readUpdateLogPage'>,
  doc: string,
): Promise<Y.Doc> {
  const cp = await store.readReplayCheckpoint(doc, Number.MAX_SAFE_INTEGER);
  const built = new Y.Doc();
  try {
    // A turn of the event loop between the steps: the checkpoint, each page, the re-encoding.
    if (cp) {
      Y.applyUpdate(built, cp.state);
      await yieldToEventLoop();
    }
    for await (const page of logPages(store, doc, LOG_PAGE, cp?.seq ?? 0))
      built.transact(() => {
        for (const u of page) Y.applyUpdate(built, u.update);
      });
    await yieldToEventLoop();
    const out = new Y.Doc();
    Y.applyUpdate(out, Y.encodeStateAsUpdate(built));
    return out;
  } finally {
    built.destroy();
  }
}
