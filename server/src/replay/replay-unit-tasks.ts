import * as Y from 'yjs';
import { docName, type Unit, type UnitKey } from '@jointmap/shared';
import type { UpdateLogStore } from '../storage/types.ts';
import { LOG_PAGE, LogWalker, logPages } from '../report/log-walk.ts';
import { UnitTaskHistory } from '../search/unit-task-history.ts';

/** Station rosters whose task history is kept between replay requests (a few KB each). */
const KEEP_ROSTERS = 32;

interface Walked {
  /** The last seq walked: the history holds every roster change up to it. */
  lastSeq: number;
  history: UnitTaskHistory;
  /**
   * The document as the walk left it (encoded), to go on from when the log grows; kept only for an
   * operation under way (a closed one's logs never grow), null otherwise.
   */
  state: Uint8Array | null;
}

/**
 * Which task each unit of a replayed operation was on, and since when: every change of a roster
 * record (`Unit.assignedTaskId` in its station's document) at the time its update was stored.
 * Replayed coverage then follows the live coverage's rule (a unit given a sector sweeps it only
 * while on the search's task), with times that are exact rather than as the live service saw them.
 *
 * A station's log is walked once and its history kept. Logs only grow (snapshots never delete
 * updates), so when an operation under way has logged more since, the walk goes on from the last
 * seq it read, from the document it had then: a replay played every 2 s reads the new updates only.
 */
export class ReplayUnitTasks {
  private readonly rosters = new Map<string, Walked>();
  /** Walks under way: a second request for the same roster waits for it (they share the history). */
  private readonly walking = new Map<string, Promise<Walked>>();

  constructor(private readonly store: Pick<UpdateLogStore, 'readUpdateLogPage' | 'readUpdateLogSpan'>) {}

  /**
   * Whether each unit was on a task at a time, for the stations of an operation; `growing`: the
   * operation is under way and its logs may grow (the walk's document is kept to go on from).
   */
  async of(
    operationId: string,
    stations: readonly string[],
    growing: boolean,
  ): Promise<(unit: UnitKey, taskId: string, time: number) => boolean> {
    const byStation = new Map<string, UnitTaskHistory>();
    for (const stationId of stations) byStation.set(stationId, await this.roster(operationId, stationId, growing));
    return (unit, taskId, time) => byStation.get(unit.stationId)?.onTask(unit, taskId, time) ?? true;
  }

  private async roster(operationId: string, stationId: string, growing: boolean): Promise<UnitTaskHistory> {
    const doc = docName(operationId, stationId);
    const under = this.walking.get(doc);
    if (under) return (await under).history;
    const walk = this.update(doc, stationId, growing).finally(() => this.walking.delete(doc));
    this.walking.set(doc, walk);
    return (await walk).history;
  }

  private async update(doc: string, stationId: string, growing: boolean): Promise<Walked> {
    const kept = this.rosters.get(doc);
    // Taken out while it may change: a walk that fails leaves no half-advanced history behind.
    this.rosters.delete(doc);
    let walked: Walked;
    if (!kept) walked = await this.walk(doc, stationId, growing);
    else if ((await this.store.readUpdateLogSpan(doc, kept.lastSeq, Number.MAX_SAFE_INTEGER, 1)).count === 0)
      walked = kept;
    else walked = await this.walk(doc, stationId, growing, kept.state ? kept : undefined);
    // Most recently used last.
    this.rosters.set(doc, walked);
    while (this.rosters.size > KEEP_ROSTERS) this.rosters.delete(this.rosters.keys().next().value!);
    return walked;
  }

  /** Walk the log after `from` (from its start without it), adding to its history. */
  private async walk(doc: string, stationId: string, growing: boolean, from?: Walked): Promise<Walked> {
    const history = from?.history ?? new UnitTaskHistory();
    let restoring = false;
    const walker = new LogWalker(['units'], (c) => {
      if (!restoring && c.value) history.sync(stationId, [c.value as Unit], c.update.time);
    });
    let lastSeq = from?.lastSeq ?? 0;
    try {
      if (from?.state) {
        // The records it holds are in the history already.
        restoring = true;
        Y.applyUpdate(walker.doc, from.state);
        restoring = false;
      }
      for await (const page of logPages(this.store, doc, LOG_PAGE, lastSeq)) {
        // The walker counts within the page it is given.
        walker.applied = 0;
        await walker.advance(page, page.length);
        lastSeq = page.at(-1)!.seq;
      }
      return { lastSeq, history, state: growing ? Y.encodeStateAsUpdate(walker.doc) : null };
    } finally {
      walker.destroy();
    }
  }
}
