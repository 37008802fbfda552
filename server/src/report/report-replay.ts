import type { ReportTask, ResponseStatus, Task, TaskResponse, Unit, UnitStatus } from '@jointmap/shared';
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
 * One pass over every update log of an operation: each update is applied to its document and the
 * keys it changed in `tasks`, `responses` and `units` are read back (Yjs map events name them), so
 * the cost is one apply per update however many tasks and units there are. A log given in pages is
 * walked a page at a time, so only one page of it is held at once.
 */
export async function replayLogs(logs: readonly LogSource[]): Promise<Replayed> {
  const out: Replayed = { tasks: new Map(), units: new Map(), authors: new Map() };
  // Answers live in the answering station's document, which may be replayed before the task's.
  const answers = new Map<string, TaskStory['answers']>();
  for (const log of logs) {
    // A unit removed from its roster stops counting time in its last status.
    const unitKeys = new Map<string, string>();
    const walker = new LogWalker(['tasks', 'responses', 'units'], (c) => {
      if (c.map === 'tasks') {
        if (c.value) onTask(out, c.value as Task, c.update);
      } else if (c.map === 'responses') {
        if (c.value) onResponse(answers, c.value as TaskResponse, c.update);
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
  for (const [key, story] of out.tasks) story.answers = answers.get(key) ?? {};
  return out;
}

const taskKey = (stationId: string, id: string) => `${stationId}:${id}`;

function onTask(out: Replayed, t: Task, u: LoggedUpdate): void {
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
      answers: {},
    };
    out.tasks.set(key, story);
  }
  story.title = t.title;
  story.priority = t.priority;
  story.finalState = t.state;
  if ((t.state === 'closed' || t.state === 'cancelled') && story.endedAt === null) story.endedAt = u.time;
  if (t.state !== 'closed' && t.state !== 'cancelled') story.endedAt = null;
}

function onResponse(all: Map<string, TaskStory['answers']>, r: TaskResponse, u: LoggedUpdate): void {
  const key = taskKey(r.taskStationId, r.taskId);
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
