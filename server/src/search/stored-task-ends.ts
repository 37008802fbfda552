import * as Y from 'yjs';
import type { Task, TaskResponse } from '@jointmap/shared';
import { LOG_PAGE, LogWalker, logPages, logsGrewPast, type KeyChange } from '../report/log-walk.ts';
import type { UpdateLogStore } from '../storage/types.ts';
import { TaskEndHistory } from './task-end-history.ts';

/** Maps whose records say whether a task ended (`endedTaskIds`). */
const TASK_MAPS = ['tasks', 'responses'] as const;
type TaskMap = (typeof TASK_MAPS)[number];

type LogStore = Pick<UpdateLogStore, 'readUpdateLogPage' | 'readUpdateLogHeads'>;

/** A task record or answer as one stored update left it (`value` undefined: deleted). */
interface RecordChange {
  time: number;
  /** The record: its document, map and key. */
  record: string;
  map: TaskMap;
  value: unknown;
}

interface HeldRecord {
  taskId: string;
  map: TaskMap;
  value: Task | TaskResponse;
}

/** Where the walk of one document's log stands. */
interface DocLog {
  lastSeq: number;
  /**
   * The document as the walk left it (`keepState`), to go on from: in memory (`walker`, to go on at
   * no cost) or encoded (`state`, about a fifth of the memory, loaded again when its log grows);
   * neither: not kept.
   */
  walker: LogWalker | null;
  state: Uint8Array | null;
  /** Task changes its walker reported and the walk has not taken yet. */
  found: RecordChange[];
}

/** One document's task changes, a page of its log at a time, and the next one not applied yet. */
interface Cursor {
  pages: AsyncGenerator<RecordChange[]>;
  page: RecordChange[];
  next: number;
}

/**
 * When each task of an operation ended and was reopened, from its documents' stored update logs:
 * every update is stored with the server's time, so a walk of the logs dates each end and
 * reopening to the update that made it, as the live coverage service dated it when it saw the
 * change (`TaskEndHistory`, which it feeds). The one source of these spells for replayed coverage
 * and for the live service once it follows an operation (after a restart: `TaskEndsWalk`).
 *
 * A task's records and answers are spread over the operation's documents, and it ended only when
 * every record of it has (`endedTaskIds`): the documents' changes are merged in time order, each
 * log read a page at a time (`logPages`, applied one update at a time by a `LogWalker`), and only
 * the task records and answers are held, never a log. Changes stored at one time are taken
 * together, as one read of the documents would see them. A walk reads every log only up to where
 * it ended when the walk started (the heads of all of them, read first in one statement), so it
 * merges the logs as they all stood at one moment; what is stored meanwhile is left to the next
 * walk, for every document alike.
 *
 * A later walk goes on from where the last one left each log (its document kept with `keepState`,
 * for an operation under way whose logs grow): only the updates after it are read and applied, to
 * the document left in memory (or loaded from its encoded state after `compact`), and a log that
 * has not grown costs the lookup of its head, no page read. A walk that threw, or was stopped,
 * leaves the spells half advanced: `dispose` the object.
 */
export class StoredTaskEnds {
  readonly history = new TaskEndHistory();
  /** Every task record and answer the walked documents hold, by record. */
  private readonly records = new Map<string, HeldRecord>();
  /** The records of each task id. */
  private readonly byTask = new Map<string, Set<string>>();
  private readonly logs = new Map<string, DocLog>();

  /** `keepState`: keep each document as the walk left it, to go on from when its log grows. */
  constructor(readonly keepState: boolean) {}

  /** Whether the log of any of documents `names` holds updates after those walked (their heads, no row read). */
  async behind(store: LogStore, names: readonly string[]): Promise<boolean> {
    return logsGrewPast(store, new Map(names.map((n) => [n, this.logs.get(n)?.lastSeq ?? 0])));
  }

  /** Whether a walk can go on from here: every document walked so far was kept (or was empty). */
  get resumable(): boolean {
    for (const l of this.logs.values()) if (!l.walker && !l.state && l.lastSeq > 0) return false;
    return true;
  }

  /**
   * Walk the logs of documents `names` on from where the last walk left each one (from its start
   * the first time), and date every end and reopening of a task they hold. `signal` stops it
   * between pages (it throws the signal's reason). Resolves whether any log was behind: false,
   * nothing was read but the heads (the one read a catch-up round needs, no `behind` first).
   *
   * @example const ends = new StoredTaskEnds(false); await ends.walk(storage, operationDocNames(id, stations));
   */
  async walk(store: LogStore, names: readonly string[], signal?: AbortSignal): Promise<boolean> {
    if (!this.resumable) throw new Error('stored task ends: a log walked without keeping its document cannot go on');
    // Every log is read up to where it ended when this walk started, whatever is stored meanwhile:
    // a log read to its end while another is still paged would otherwise leave changes stored in
    // it meanwhile to the next walk, after later changes of the other were dated.
    const heads = await store.readUpdateLogHeads(names);
    const cursors: Cursor[] = [];
    let behind = false;
    try {
      for (const name of names) {
        const head = heads.get(name) ?? 0;
        if (head <= (this.logs.get(name)?.lastSeq ?? 0)) continue;
        behind = true;
        const c: Cursor = { pages: this.changes(store, name, head, signal), page: [], next: 0 };
        if (await advance(c)) cursors.push(c);
      }
      const touched = new Set<string>();
      while (cursors.length) {
        let first = cursors[0]!;
        for (const c of cursors) if (head(c).time < head(first).time) first = c;
        const change = first.page[first.next++]!;
        if (!(await advance(first))) cursors.splice(cursors.indexOf(first), 1);
        this.apply(change, touched);
        if (cursors.some((c) => head(c).time === change.time)) continue;
        this.date(touched, change.time);
        touched.clear();
      }
    } finally {
      for (const c of cursors) await c.pages.return(undefined);
    }
    return behind;
  }

  /** Keep the documents encoded rather than in memory until their logs grow (not during a walk). */
  compact(): void {
    for (const l of this.logs.values()) {
      if (!l.walker) continue;
      l.state = Y.encodeStateAsUpdate(l.walker.doc);
      l.walker.destroy();
      l.walker = null;
    }
  }

  /** Drop the documents kept to go on from (the spells stay readable; no walk can go on). */
  dispose(): void {
    for (const l of this.logs.values()) {
      l.walker?.destroy();
      l.walker = null;
      l.state = null;
      l.found = [];
    }
  }

  /**
   * The task changes of one document's log after its mark up to `head`, a page of the log at a
   * time: the read stops at `head` (stored after the walk started: left to the next walk, as in
   * every other log).
   */
  private async *changes(
    store: LogStore,
    name: string,
    head: number,
    signal?: AbortSignal,
  ): AsyncGenerator<RecordChange[]> {
    signal?.throwIfAborted();
    let log = this.logs.get(name);
    if (!log) this.logs.set(name, (log = { lastSeq: 0, walker: null, state: null, found: [] }));
    try {
      for await (const page of logPages(store, name, LOG_PAGE, log.lastSeq, head)) {
        // Loaded only now: a document whose log has not grown is not touched.
        const walker = (log.walker ??= this.walkerOf(log, name));
        // The walker counts within the page it is given.
        walker.applied = 0;
        await walker.advance(page, page.length);
        log.lastSeq = page.at(-1)!.seq;
        const out = log.found;
        log.found = [];
        yield out;
        signal?.throwIfAborted();
      }
    } finally {
      if (!this.keepState) {
        log.walker?.destroy();
        log.walker = null;
      }
    }
  }

  /** A walker for a document: as the last walk left it (from its encoded state), or new. */
  private walkerOf(log: DocLog, name: string): LogWalker {
    let restoring = false;
    const walker = new LogWalker(TASK_MAPS, (c) => {
      if (!restoring) log.found.push(recordChange(name, c));
    });
    if (log.state) {
      // Its records are held already.
      restoring = true;
      Y.applyUpdate(walker.doc, log.state);
      restoring = false;
      log.state = null;
    }
    return walker;
  }

  private apply(change: RecordChange, touched: Set<string>): void {
    const held = this.records.get(change.record);
    if (held) {
      this.byTask.get(held.taskId)?.delete(change.record);
      this.records.delete(change.record);
      touched.add(held.taskId);
    }
    const taskId = taskIdOf(change.map, change.value);
    if (taskId === null) return;
    this.records.set(change.record, { taskId, map: change.map, value: change.value as Task | TaskResponse });
    let keys = this.byTask.get(taskId);
    if (!keys) this.byTask.set(taskId, (keys = new Set()));
    keys.add(change.record);
    touched.add(taskId);
  }

  /** The records of tasks `taskIds` changed at `time`: their history reads them as of then. */
  private date(taskIds: Iterable<string>, time: number): void {
    for (const id of taskIds) {
      const tasks: Task[] = [];
      const responses: TaskResponse[] = [];
      for (const key of this.byTask.get(id) ?? []) {
        const r = this.records.get(key)!;
        if (r.map === 'tasks') tasks.push(r.value as Task);
        else responses.push(r.value as TaskResponse);
      }
      this.history.sync(tasks, responses, time);
    }
  }
}

function recordChange(doc: string, c: KeyChange): RecordChange {
  return { time: c.update.time, record: `${doc}\n${c.map}\n${c.key}`, map: c.map as TaskMap, value: c.value };
}

/** The id of the task a record or answer belongs to (null: none, or not a record). */
function taskIdOf(map: TaskMap, value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const id = map === 'tasks' ? (value as Task).id : (value as TaskResponse).taskId;
  return typeof id === 'string' ? id : null;
}

function head(c: Cursor): RecordChange {
  return c.page[c.next]!;
}

/** Make `c.page[c.next]` the document's next change, reading on as needed; false: none is left. */
async function advance(c: Cursor): Promise<boolean> {
  while (c.next >= c.page.length) {
    const r = await c.pages.next();
    if (r.done) return false;
    c.page = r.value;
    c.next = 0;
  }
  return true;
}
