import * as Y from 'yjs';
import type { UpdateLogStore } from '../storage/types.ts';

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
