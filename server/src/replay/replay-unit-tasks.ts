import { docName, type Unit, type UnitKey } from '@jointmap/shared';
import type { UpdateLogStore } from '../storage/types.ts';
import { LogWalker, logPages } from '../report/log-walk.ts';
import { UnitTaskHistory } from '../search/unit-task-history.ts';

/** Station rosters whose task history is kept between replay requests (a few KB each). */
const KEEP_ROSTERS = 32;

interface Walked {
  /** The last seq walked: the history holds every roster change up to it. */
  lastSeq: number;
  history: UnitTaskHistory;
}

/**
 * Which task each unit of a replayed operation was on, and since when: every change of a roster
 * record (`Unit.assignedTaskId` in its station's document) at the time its update was stored.
 * Replayed coverage then follows the live coverage's rule (a unit given a sector sweeps it only
 * while on the search's task), with times that are exact rather than as the live service saw them.
 *
 * A station's log is walked once and its history kept (a closed operation's logs never grow);
 * when the log has grown since, it is walked again.
 */
export class ReplayUnitTasks {
  private readonly rosters = new Map<string, Walked>();

  constructor(private readonly store: Pick<UpdateLogStore, 'readUpdateLogPage' | 'readUpdateLogSpan'>) {}

  /** Whether each unit was on a task at a time, for the stations of an operation. */
  async of(
    operationId: string,
    stations: readonly string[],
  ): Promise<(unit: UnitKey, taskId: string, time: number) => boolean> {
    const byStation = new Map<string, UnitTaskHistory>();
    for (const stationId of stations) byStation.set(stationId, await this.roster(operationId, stationId));
    return (unit, taskId, time) => byStation.get(unit.stationId)?.onTask(unit, taskId, time) ?? true;
  }

  private async roster(operationId: string, stationId: string): Promise<UnitTaskHistory> {
    const doc = docName(operationId, stationId);
    const kept = this.rosters.get(doc);
    if (kept) {
      const grown = await this.store.readUpdateLogSpan(doc, kept.lastSeq, Number.MAX_SAFE_INTEGER, 1);
      if (grown.count === 0) {
        // Most recently used last.
        this.rosters.delete(doc);
        this.rosters.set(doc, kept);
        return kept.history;
      }
    }
    const walked = await this.walk(doc, stationId);
    this.rosters.delete(doc);
    this.rosters.set(doc, walked);
    while (this.rosters.size > KEEP_ROSTERS) this.rosters.delete(this.rosters.keys().next().value!);
    return walked.history;
  }

  private async walk(doc: string, stationId: string): Promise<Walked> {
    const history = new UnitTaskHistory();
    const walker = new LogWalker(['units'], (c) => {
      if (c.value) history.sync(stationId, [c.value as Unit], c.update.time);
    });
    let lastSeq = 0;
    try {
      for await (const page of logPages(this.store, doc)) {
        // The walker counts within the page it is given.
        walker.applied = 0;
        await walker.advance(page, page.length);
        lastSeq = page.at(-1)!.seq;
      }
    } finally {
      walker.destroy();
    }
    return { lastSeq, history };
  }
}
