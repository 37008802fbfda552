import * as Y from 'yjs';
import { docName, type Unit, type UnitKey } from '@jointmap/shared';
import type { UpdateLogStore } from '../storage/types.ts';
import { LOG_PAGE, LogWalker, logPages, logsGrewPast } from '../report/log-walk.ts';
import { UnitTaskHistory } from '../search/unit-task-history.ts';

/** Station rosters whose task history is kept between replay requests (a few KB each). */
const KEEP_ROSTERS = 32;
/** Walks on of a roster remembered, for {@link RosterRule.changedFrom} (a mark older says "unknown"). */
const KEEP_STEPS = 64;

type OnTask = (unit: UnitKey, taskId: string, time: number) => boolean;

/** One walk of a roster's log: what it read after `after` can change answers from `earliest` on. */
interface Step {
  after: number;
  earliest: number;
}

interface Walked {
  /** The last seq walked: the history holds every roster change up to it. */
  lastSeq: number;
  history: UnitTaskHistory;
  /**
   * The document as the walk left it (encoded), to go on from when the log grows; kept only for an
   * operation under way (a closed one's logs never grow), null otherwise.
   */
  state: Uint8Array | null;
  /** Which history this is: a walk from the start makes another one, a walk on keeps it. */
  walk: number;
  /** Units whose first record the history holds (a first record reaches back to its `updatedAt`). */
  seen: Set<string>;
  steps: Step[];
}

/** Where a station's history stood when a rule was taken. */
export interface RosterMark {
  walk: number;
  lastSeq: number;
}

/** Whether each unit was on a task at a time, and how far back a later rule may answer otherwise. */
export interface RosterRule {
  onTask: OnTask;
  /** Per station: where its history stood. */
  marks: ReadonlyMap<string, RosterMark>;
  /**
   * The earliest time from which this rule may answer otherwise than the one taken at `since`
   * (+Infinity: the same everywhere; -Infinity: not known). Roster changes are stored at the
   * server's time, so one stored after a moment changes nothing before it, except a unit's first
   * record, which reaches back to its own `updatedAt` (see `UnitTaskHistory`).
   */
  changedFrom(since: ReadonlyMap<string, RosterMark>): number;
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
  /** Histories walked from the start so far (each one's `walk`). */
  private walks = 0;

  constructor(private readonly store: Pick<UpdateLogStore, 'readUpdateLogPage' | 'readUpdateLogHeads'>) {}

  /**
   * Whether each unit was on a task at a time, for the stations of an operation; `growing`: the
   * operation is under way and its logs may grow (the walk's document is kept to go on from).
   */
  async of(operationId: string, stations: readonly string[], growing: boolean): Promise<OnTask> {
    return (await this.rule(operationId, stations, growing)).onTask;
  }

  /** As {@link of}, with where each history stood, to tell later whether the answers changed. */
  async rule(operationId: string, stations: readonly string[], growing: boolean): Promise<RosterRule> {
    const byStation = new Map<string, Walked>();
    for (const stationId of stations) byStation.set(stationId, await this.roster(operationId, stationId, growing));
    const marks = new Map([...byStation].map(([id, w]) => [id, { walk: w.walk, lastSeq: w.lastSeq }]));
    return {
      onTask: (unit, taskId, time) => byStation.get(unit.stationId)?.history.onTask(unit, taskId, time) ?? true,
      marks,
      changedFrom: (since) => {
        let earliest = Number.POSITIVE_INFINITY;
        for (const [stationId, w] of byStation) {
          const mark = since.get(stationId);
          if (!mark || mark.walk !== w.walk || (w.steps[0]?.after ?? 0) > mark.lastSeq) return Number.NEGATIVE_INFINITY;
          for (const step of w.steps) if (step.after >= mark.lastSeq) earliest = Math.min(earliest, step.earliest);
        }
        return earliest;
      },
    };
  }

  private async roster(operationId: string, stationId: string, growing: boolean): Promise<Walked> {
    const doc = docName(operationId, stationId);
    const under = this.walking.get(doc);
    if (under) return await under;
    const walk = this.update(doc, stationId, growing).finally(() => this.walking.delete(doc));
    this.walking.set(doc, walk);
    return await walk;
  }

  private async update(doc: string, stationId: string, growing: boolean): Promise<Walked> {
    const kept = this.rosters.get(doc);
    // Taken out while it may change: a walk that fails leaves no half-advanced history behind.
    this.rosters.delete(doc);
    let walked: Walked;
    if (!kept) walked = await this.walk(doc, stationId, growing);
    else if (!(await logsGrewPast(this.store, new Map([[doc, kept.lastSeq]])))) walked = kept;
    else walked = await this.walk(doc, stationId, growing, kept.state ? kept : undefined);
    // Most recently used last.
    this.rosters.set(doc, walked);
    while (this.rosters.size > KEEP_ROSTERS) this.rosters.delete(this.rosters.keys().next().value!);
    return walked;
  }

  /** Walk the log after `from` (from its start without it), adding to its history. */
  private async walk(doc: string, stationId: string, growing: boolean, from?: Walked): Promise<Walked> {
    const history = from?.history ?? new UnitTaskHistory();
    const seen = from?.seen ?? new Set<string>();
    let earliest = Number.POSITIVE_INFINITY;
    let restoring = false;
    const walker = new LogWalker(['units'], (c) => {
      if (restoring || !c.value) return;
      const unit = c.value as Unit;
      const time = c.update.time;
      // A unit's first record counts from its own time, if earlier (`UnitTaskHistory.sync`).
      earliest = Math.min(earliest, seen.has(unit.id) ? time : Math.min(time, unit.updatedAt));
      seen.add(unit.id);
      history.sync(stationId, [unit], time);
    });
    const after = from?.lastSeq ?? 0;
    let lastSeq = after;
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
      const steps = [...(from?.steps ?? []), { after, earliest }].slice(-KEEP_STEPS);
      const state = growing ? Y.encodeStateAsUpdate(walker.doc) : null;
      return { lastSeq, history, state, walk: from?.walk ?? ++this.walks, seen, steps };
    } finally {
      walker.destroy();
    }
  }
}
