import * as Y from 'yjs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { LoggedUpdate, ReplayCheckpoint } from './update-log-types.ts';

/** A replay checkpoint every this many updates of a document (docs/replay.md, Stored checkpoints). */
export const REPLAY_CHECKPOINT_EVERY = 1_000;

/** Updates applied per turn of the event loop while checkpoints are made: the rooms' own work goes between. */
const APPLY_SLICE = 250;

/**
 * The replay checkpoints of a log, computed from the log itself: the encoded state after each
 * multiple of {@link REPLAY_CHECKPOINT_EVERY} updates applied in seq order, with the latest time
 * among them. Exact by construction (state == the log applied up to `seq`). Applied in slices of
 * {@link APPLY_SLICE} updates, yielding to the event loop between them. `from` continues after a
 * stored checkpoint (its state and count) instead of from the start.
 */
export async function checkpointsOfLog(
  doc: string,
  log: readonly LoggedUpdate[],
  from: ReplayCheckpoint | null = null,
  every = REPLAY_CHECKPOINT_EVERY,
): Promise<ReplayCheckpoint[]> {
  const out: ReplayCheckpoint[] = [];
  if (log.length < every) return out;
  const y = new Y.Doc();
  try {
    if (from) Y.applyUpdate(y, from.state);
    let count = from?.count ?? 0;
    let maxTime = from?.maxTime ?? -Infinity;
    for (let i = 0; i + every <= log.length; i += every) {
      maxTime = Math.max(maxTime, await applyLoggedInSlices(y, log, i, i + every));
      count += every;
      out.push({ doc, seq: log[i + every - 1]!.seq, count, maxTime, state: Y.encodeStateAsUpdate(y) });
    }
  } finally {
    y.destroy();
  }
  return out;
}

/**
 * Apply `log[from..to)` to `y` in seq order, {@link APPLY_SLICE} updates per transaction, yielding
 * to the event loop between them; the latest time among them (-Infinity when none).
 */
async function applyLoggedInSlices(y: Y.Doc, log: readonly LoggedUpdate[], from: number, to: number): Promise<number> {
  let maxTime = -Infinity;
  for (let k = from; k < to; k += APPLY_SLICE) {
    const end = Math.min(k + APPLY_SLICE, to);
    y.transact(() => {
      for (let j = k; j < end; j++) {
        const u = log[j]!;
        Y.applyUpdate(y, u.update);
        if (u.time > maxTime) maxTime = u.time;
      }
    });
    await yieldToEventLoop();
  }
  return maxTime;
}

/**
 * The replay checkpoints of logs an archive restore is about to store (computed before its
 * transaction, stored inside it), so the first replay of a restored operation reads one
 * checkpoint and at most {@link REPLAY_CHECKPOINT_EVERY} updates per document.
 */
export async function checkpointsOfRestore(
  docs: ReadonlyArray<{ doc: string; updates: readonly LoggedUpdate[] }>,
): Promise<ReplayCheckpoint[]> {
  const out: ReplayCheckpoint[] = [];
  for (const d of docs) {
    const sorted = d.updates.every((u, i) => i === 0 || d.updates[i - 1]!.seq < u.seq)
      ? d.updates
      : [...d.updates].sort((a, b) => a.seq - b.seq);
    out.push(...(await checkpointsOfLog(d.doc, sorted)));
  }
  return out;
}
