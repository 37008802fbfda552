import { docName, type Task } from '@jointmap/shared';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { LoggedUpdate, ReplayCheckpoint, UpdateLogStore } from '../storage/types.ts';
import { DocHistory, type RecordChange, type TakenCheckpoint } from './doc-history.ts';
import { eventOf, finishEvents, type ReplayEvent } from './replay-events.ts';

/** Operations whose histories stay in memory (least recently used go first). */
export const CACHED_OPERATIONS = 4;
/**
 * A read of the log counts as complete for moments this much before it: an update is stamped when
 * stored, so one stored after the read is later than the read minus any step of the clock.
 */
const CLOCK_SLACK_MS = 2_000;

/** Rows of a log read at a time (SQLite reads are synchronous: a page, then a turn of the event loop). */
const LOG_PAGE = 2_000;
/** Stored checkpoints read at a time when a history is warmed. */
const CHECKPOINTS_PER_READ = 8;

/** A document's whole update log, read a page at a time, yielding to the event loop between pages. */
async function readLogInPages(store: UpdateLogStore, doc: string): Promise<LoggedUpdate[]> {
  const log: LoggedUpdate[] = [];
  for (;;) {
    const page = await store.readUpdateLogPage(doc, log.at(-1)?.seq ?? 0, LOG_PAGE);
    for (const u of page) log.push(u);
    await yieldToEventLoop();
    if (page.length < LOG_PAGE) return log;
  }
}

/** The replay history of one operation: one DocHistory per document, the events found so far. */
export class OperationHistory {
  readonly docs: DocHistory[];
  /** Server time of the last read of the logs (0: never read). */
  readAt = 0;
  private events: ReplayEvent[] = [];
  private readonly titles = new Map<string, string>();
  private refreshing: Promise<void> | null = null;
  private warming: Promise<void> | null = null;
  /** Where each checkpoint taken is stored (set by the service). */
  sink: ((cp: ReplayCheckpoint) => void) | null = null;

  constructor(
    readonly operationId: string,
    readonly scopes: readonly string[],
  ) {
    this.docs = scopes.map(
      (scope) =>
        new DocHistory(
          scope,
          (c) => this.onChange(c),
          (cp: TakenCheckpoint) => this.sink?.({ doc: docName(operationId, scope), ...cp }),
        ),
    );
  }

  /** Whether the logs read so far hold every update stored at or before `at`. */
  covers(at: number, closedAt: number | null): boolean {
    if (this.readAt === 0) return false;
    const settled = closedAt !== null && this.readAt - CLOCK_SLACK_MS > closedAt;
    return settled || at < this.readAt - CLOCK_SLACK_MS;
  }

  /** Read every log again (the walkers keep their place when the logs only grew); one read at a time. */
  refresh(store: UpdateLogStore, now: number): Promise<void> {
    this.refreshing ??= this.readLogs(store, now).finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async readLogs(store: UpdateLogStore, now: number): Promise<void> {
    // One log at a time, a page at a time, yielding after each page (a read is synchronous on
    // SQLite): requests answered meanwhile wait for one page's read, not a whole log's.
    const logs: LoggedUpdate[][] = [];
    for (const s of this.scopes) logs.push(await readLogInPages(store, docName(this.operationId, s)));
    let restarted = false;
    for (const [i, d] of this.docs.entries()) restarted = (await d.replaceLog(logs[i]!)) || restarted;
    if (restarted) {
      // A log was replaced (an archive restored over it): every walker starts over.
      this.events = [];
      this.titles.clear();
      for (const d of this.docs) await d.replaceLog([]);
      for (const [i, d] of this.docs.entries()) await d.replaceLog(logs[i]!);
    }
    this.readAt = now;
  }

  /**
   * Read the logs and build every checkpoint, in the background of the requests that do not wait
   * for it (a moment the logs read do not cover is answered from the stored checkpoints meanwhile).
   */
  warm(store: UpdateLogStore, now: number): Promise<void> {
    this.warming ??= (async () => {
      await this.refresh(store, now);
      // The stored checkpoints first (read a few at a time): only those missing are built.
      for (const [i, d] of this.docs.entries()) {
        const doc = docName(this.operationId, this.scopes[i]!);
        for (let after = 0; ;) {
          const page = await store.readReplayCheckpoints(doc, after, CHECKPOINTS_PER_READ);
          await d.seed(page);
          await yieldToEventLoop();
          if (page.length < CHECKPOINTS_PER_READ) break;
          after = page.at(-1)!.seq;
        }
      }
      for (const d of this.docs) await d.buildAll();
    })().finally(() => (this.warming = null));
    return this.warming;
  }

  /** Whether the logs have been read and every checkpoint built (the in-memory path is ready). */
  get warmed(): boolean {
    return this.readAt !== 0 && this.warming === null;
  }

  /** Every event of the logs read, in time order. */
  async allEvents(): Promise<ReplayEvent[]> {
    for (const d of this.docs) await d.walkAll();
    return finishEvents(this.events, this.titles);
  }

  /** Updates held and the time of the first and last. */
  get extent(): { updates: number; first: number | null; last: number | null } {
    const spans = this.docs.map((d) => d.span).filter((s) => s !== null);
    return {
      updates: this.docs.reduce((n, d) => n + d.length, 0),
      first: spans.length ? Math.min(...spans.map((s) => s.first)) : null,
      last: spans.length ? Math.max(...spans.map((s) => s.last)) : null,
    };
  }

  destroy(): void {
    for (const d of this.docs) d.destroy();
  }

  private onChange(c: RecordChange): void {
    if (c.map === 'tasks' && c.value) {
      const t = c.value as Task;
      this.titles.set(`${t.stationId}:${t.id}`, t.title);
    }
    const e = eventOf(c);
    if (e) this.events.push(e);
  }
}

/**
 * Replay histories of recently opened operations, kept per app (never module-level), so a moment
 * of an operation opened before costs a checkpoint and a few updates, not a walk from the start.
 */
export class ReplayCache {
  private readonly entries = new Map<string, OperationHistory>();

  constructor(private readonly max = CACHED_OPERATIONS) {}

  /** The history of an operation with these scopes, created (empty, unread) when absent. */
  get(operationId: string, scopes: readonly string[]): OperationHistory {
    let h = this.entries.get(operationId);
    if (h && h.scopes.join() !== scopes.join()) {
      this.drop(operationId);
      h = undefined;
    }
    if (!h) h = new OperationHistory(operationId, scopes);
    this.entries.delete(operationId);
    this.entries.set(operationId, h);
    while (this.entries.size > this.max) this.drop(this.entries.keys().next().value!);
    return h;
  }

  drop(operationId: string): void {
    this.entries.get(operationId)?.destroy();
    this.entries.delete(operationId);
  }

  clear(): void {
    for (const id of [...this.entries.keys()]) this.drop(id);
  }
}
