import * as Y from 'yjs';
import { docName, type ReplayEvent, type Task } from '@jointmap/shared';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { ReplayCheckpoint, UpdateLogStore } from '../storage/types.ts';
import { REPLAY_CHECKPOINT_EVERY } from '../storage/log-checkpoints.ts';
import { LogWalker } from '../report/log-walk.ts';
import { eventOf, finishEvents, type RecordChange } from './replay-events.ts';

/** Record maps whose changes become replay events. */
export const WATCHED_MAPS = ['tasks', 'responses', 'units', 'searches', 'sectors'] as const;

/** Rows of a log read at a time (a SQLite read is synchronous: a page, then a turn of the event loop). */
export const EVENTS_LOG_PAGE = 2_000;

/** The events of an operation's documents and the extent of their logs. */
export interface WalkedEvents {
  /** In time order (stable for equal times), answers titled with their task's title. */
  events: ReplayEvent[];
  /** Updates in the logs. */
  updates: number;
  /** Time of the first and the last update (null when every log is empty). */
  first: number | null;
  last: number | null;
}

/**
 * The replay events of an operation's documents: each log read from the store a page at a time, in
 * seq order, and applied one update at a time so each record change keeps its own time and author
 * (`LogWalker`, as the after-action report does). Nothing is kept between requests. The walk passes
 * every checkpoint boundary: those beyond the newest stored checkpoint of a document (a log written
 * before checkpoints were stored, never appended to since) are stored as it goes, exact by
 * construction (the log applied in seq order up to their seq).
 */
export async function walkEvents(
  store: UpdateLogStore,
  operationId: string,
  scopes: readonly string[],
): Promise<WalkedEvents> {
  const events: ReplayEvent[] = [];
  const titles = new Map<string, string>();
  const onChange = (c: RecordChange) => {
    if (c.map === 'tasks' && c.value) {
      const t = c.value as Task;
      titles.set(`${t.stationId}:${t.id}`, t.title);
    }
    const e = eventOf(c);
    if (e) events.push(e);
  };
  let updates = 0;
  let first: number | null = null;
  let last: number | null = null;
  for (const scope of scopes) {
    const doc = docName(operationId, scope);
    const stored = (await store.readReplayCheckpoint(doc, Number.MAX_SAFE_INTEGER))?.count ?? 0;
    const walker = new LogWalker(WATCHED_MAPS, (c) => onChange({ ...c, scope }));
    try {
      let afterSeq = 0;
      let walked = 0;
      let maxTime = -Infinity;
      const missing: ReplayCheckpoint[] = [];
      for (;;) {
        const page = await store.readUpdateLogPage(doc, afterSeq, EVENTS_LOG_PAGE);
        // The walker counts within the page it is given; `walked` counts this log so far.
        walker.applied = 0;
        await walker.advance(page, page.length, (n) => {
          const u = page[n - 1]!;
          if (u.time > maxTime) maxTime = u.time;
          if (first === null || u.time < first) first = u.time;
          if (last === null || u.time > last) last = u.time;
          const count = walked + n;
          if (count % REPLAY_CHECKPOINT_EVERY === 0 && count > stored)
            missing.push({ doc, seq: u.seq, count, maxTime, state: Y.encodeStateAsUpdate(walker.doc) });
        });
        walked += page.length;
        updates += page.length;
        // A checkpoint not stored is only a slower moment later: never a reason to fail the events.
        for (const cp of missing.splice(0)) await store.saveReplayCheckpoint(cp).catch(() => undefined);
        await yieldToEventLoop();
        if (page.length < EVENTS_LOG_PAGE) break;
        afterSeq = page.at(-1)!.seq;
      }
    } finally {
      walker.destroy();
    }
  }
  return { events: finishEvents(events, titles), updates, first, last };
}
