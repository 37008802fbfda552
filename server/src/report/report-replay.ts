import {
  deriveTaskStatus,
  ENDED_TASK_STATUSES,
  type ReportTask,
  type ResponseStatus,
  type Task,
  type TaskResponse,
  type Unit,
  type UnitStatus,
} from '@jointmap/shared';
import type { LoggedUpdate } from '../storage/types.ts';
import { LogWalker } from './log-walk.ts';

/** A task's life as the update logs tell it: the report's task, its answers still by station. */
export interface TaskStory extends Omit<ReportTask, 'answers'> {
  /** Per answering station: the first time each answer status was reached. */
  answers: Record<string, Partial<Record<ResponseStatus, number>>>;
}

/** A unit's statuses as the update logs tell them: each change with its time. */
export interface UnitStory {
  stationId: string;
  unitId: string;
  callsign: string;
  /** `null`: removed from the roster from then on. */
  changes: Array<{ time: number; status: UnitStatus | null }>;
}

export interface Replayed {
  tasks: Map<string, TaskStory>;
  units: Map<string, UnitStory>;
  /** Updates written per user (null: the server) per document. */
  authors: Map<string | null, { updates: number; first: number; last: number }>;
}

/** One document's update log, oldest first: whole, or in pages as read from the store (`logPages`). */
export type LogSource = readonly LoggedUpdate[] | AsyncIterable<readonly LoggedUpdate[]>;

const isWhole = (log: LogSource): log is readonly LoggedUpdate[] => Array.isArray(log);

/**
 * What a task's derived status depends on, as the logs changed it: the raising station's record
 * (kept when its state or targets change) and each station's answer (kept when its status changes;
 * null: deleted). Answers live in other documents, so the status is derived once every log is read.
 */
interface TaskSteps {
  records: Array<{ time: number; task: Task }>;
  answers: Array<{ time: number; stationId: string; response: TaskResponse | null }>;
}

/**
 * One pass over every update log of an operation: each update is applied to its document and the
 * keys it changed in `tasks`, `responses` and `units` are read back (Yjs map events name them), so
 * the cost is one apply per update however many tasks and units there are. A log given in pages is
 * walked a page at a time, so only one page of it is held at once. The report and its map share
 * one walk (`OperationReplays`).
 */
export async function replayLogs(logs: readonly LogSource[]): Promise<Replayed> {
  const out: Replayed = { tasks: new Map(), units: new Map(), authors: new Map() };
  // Answers live in the answering station's document, which may be replayed before the task's.
  const answers = new Map<string, TaskStory['answers']>();
  const steps = new Map<string, TaskSteps>();
  const stepsOf = (key: string) => steps.get(key) ?? steps.set(key, { records: [], answers: [] }).get(key)!;
  for (const log of logs) {
    // A unit removed from its roster stops counting time in its last status.
    const unitKeys = new Map<string, string>();
    const walker = new LogWalker(['tasks', 'responses', 'units'], (c) => {
      if (c.map === 'tasks') {
        if (c.value) onTask(out, stepsOf, c.value as Task, c.update);
      } else if (c.map === 'responses') {
        if (c.value) onResponse(answers, stepsOf, c.value as TaskResponse, c.update);
        else if (c.old) {
          const r = c.old as TaskResponse;
          stepsOf(taskKey(r.taskStationId, r.taskId)).answers.push({
            time: c.update.time,
            stationId: r.stationId,
            response: null,
          });
        }
      } else if (c.value) unitKeys.set(c.key, onUnit(out, c.value as Unit, c.update));
      else if (unitKeys.has(c.key))
        out.units.get(unitKeys.get(c.key)!)!.changes.push({ time: c.update.time, status: null });
    });
    try {
      for await (const page of isWhole(log) ? [log] : log) {
        // The walker counts within the page it is given.
        walker.applied = 0;
        await walker.advance(page, page.length, (applied) => {
          const u = page[applied - 1]!;
          const a = out.authors.get(u.userId) ?? { updates: 0, first: u.time, last: u.time };
          a.updates++;
          a.last = Math.max(a.last, u.time);
          a.first = Math.min(a.first, u.time);
          out.authors.set(u.userId, a);
        });
      }
    } finally {
      walker.destroy();
    }
  }
  for (const [key, story] of out.tasks) {
    story.answers = answers.get(key) ?? {};
    const ending = settle(steps.get(key)!);
    story.status = ending.status;
    story.endedAt = ending.endedAt;
  }
  return out;
}

/**
 * A task's derived status at the end of the logs and when it last became ended (resolved or
 * cancelled, as `deriveTaskStatus` and `ENDED_TASK_STATUSES` say everywhere else), walking its
 * record's and its answers' changes in time order (at one time, the record first).
 */
function settle(steps: TaskSteps): Pick<ReportTask, 'status' | 'endedAt'> {
  type Step = { time: number; record: Task } | { time: number; answer: TaskSteps['answers'][number] };
  const ordered: Step[] = [
    ...steps.records.map((r) => ({ time: r.time, record: r.task })),
    ...steps.answers.map((a) => ({ time: a.time, answer: a })),
  ];
  // Stable: at one time, the record's changes (listed first) come first.
  ordered.sort((a, b) => a.time - b.time);
  let task: Task | null = null;
  const current = new Map<string, TaskResponse>();
  let out: Pick<ReportTask, 'status' | 'endedAt'> = { status: 'open', endedAt: null };
  for (const step of ordered) {
    if ('record' in step) task = step.record;
    else if (step.answer.response) current.set(step.answer.stationId, step.answer.response);
    else current.delete(step.answer.stationId);
    if (!task) continue;
    const status = deriveTaskStatus(task, current.values());
    out = { status, endedAt: ENDED_TASK_STATUSES.has(status) ? (out.endedAt ?? step.time) : null };
  }
  return out;
}

const taskKey = (stationId: string, id: string) => `${stationId}:${id}`;

type StepsOf = (key: string) => TaskSteps;

function onTask(out: Replayed, stepsOf: StepsOf, t: Task, u: LoggedUpdate): void {
  const key = taskKey(t.stationId, t.id);
  let story = out.tasks.get(key);
  if (!story) {
    story = {
      id: t.id,
      stationId: t.stationId,
      title: t.title,
      priority: t.priority,
      raisedAt: u.time,
      raisedBy: u.userId,
      endedAt: null,
      finalState: t.state,
      status: 'open',
      answers: {},
    };
    out.tasks.set(key, story);
  }
  story.title = t.title;
  story.priority = t.priority;
  story.finalState = t.state;
  const records = stepsOf(key).records;
  const last = records.at(-1)?.task;
  if (
    !last ||
    last.state !== t.state ||
    last.reopenedAt !== t.reopenedAt ||
    last.targetStations.join() !== t.targetStations.join()
  )
    records.push({ time: u.time, task: t });
}

function onResponse(all: Map<string, TaskStory['answers']>, stepsOf: StepsOf, r: TaskResponse, u: LoggedUpdate): void {
  const key = taskKey(r.taskStationId, r.taskId);
  const steps = stepsOf(key).answers;
  // Every change of the answer: its time decides whether it counts after a reopen (`countsForTask`).
  steps.push({ time: u.time, stationId: r.stationId, response: r });
  const ofTask = all.get(key) ?? {};
  all.set(key, ofTask);
  const times = (ofTask[r.stationId] ??= {});
  times[r.status] ??= u.time;
}

function onUnit(out: Replayed, unit: Unit, u: LoggedUpdate): string {
  const key = `${unit.stationId}/${unit.id}`;
  let story = out.units.get(key);
  if (!story) {
    story = { stationId: unit.stationId, unitId: unit.id, callsign: unit.callsign, changes: [] };
    out.units.set(key, story);
  }
  story.callsign = unit.callsign;
  if (story.changes.at(-1)?.status !== unit.status) story.changes.push({ time: u.time, status: unit.status });
  return key;
}

/** Milliseconds a unit spent in each status within `[from, to]`. */
export function timePerStatus(
  changes: UnitStory['changes'],
  from: number,
  to: number,
): Partial<Record<UnitStatus, number>> {
  const out: Partial<Record<UnitStatus, number>> = {};
  changes.forEach((c, i) => {
    if (c.status === null) return;
    const start = Math.max(from, c.time);
    const end = Math.min(to, changes[i + 1]?.time ?? to);
    if (end > start) out[c.status] = (out[c.status] ?? 0) + end - start;
  });
  return out;
}
