import type { ReplayEvent, Search, Task, TaskResponse, Unit } from '@jointmap/shared';
import type { KeyChange } from '../report/log-walk.ts';

/** A record change seen while walking a document's log. */
export type RecordChange = KeyChange & { scope: string };

/**
 * The replay event a record change makes, if any: a task raised or ended, an answer given or
 * changed, a unit sent to a task (status en route, or a new assigned task), a search started,
 * ended or resumed. Other changes (edits, annotations, sectors) are not events.
 */
export function eventOf(c: RecordChange): ReplayEvent | null {
  const base = { time: c.update.time, userId: c.update.userId };
  if (c.value === undefined) return null;
  switch (c.map) {
    case 'tasks': {
      const t = c.value as Task;
      const old = c.old as Task | undefined;
      const common = { ...base, stationId: t.stationId, title: t.title, taskId: t.id, taskStationId: t.stationId };
      if (!old) return { ...common, kind: 'task_raised', status: t.state };
      if (old.state !== t.state && t.state !== 'open') return { ...common, kind: 'task_closed', status: t.state };
      return null;
    }
    case 'responses': {
      const r = c.value as TaskResponse;
      const old = c.old as TaskResponse | undefined;
      if (old?.status === r.status) return null;
      return {
        ...base,
        kind: 'task_answered',
        stationId: r.stationId,
        title: '',
        status: r.status,
        taskId: r.taskId,
        taskStationId: r.taskStationId,
      };
    }
    case 'units': {
      const u = c.value as Unit;
      const old = c.old as Unit | undefined;
      const sent = u.status === 'en_route' && old?.status !== 'en_route';
      const assigned = u.assignedTaskId !== null && u.assignedTaskId !== (old?.assignedTaskId ?? null);
      if (!sent && !assigned) return null;
      return {
        ...base,
        kind: 'unit_dispatched',
        stationId: u.stationId,
        title: u.callsign,
        status: u.status,
        unitId: u.id,
        ...(u.assignedTaskId ? { taskId: u.assignedTaskId } : {}),
      };
    }
    case 'searches': {
      const s = c.value as Search;
      const old = c.old as Search | undefined;
      const common = { ...base, stationId: c.scope, title: s.name, status: s.status, searchId: s.id, taskId: s.taskId };
      if (!old) return { ...common, kind: 'search_started', taskStationId: s.taskStationId };
      if (old.status === s.status) return null;
      // Back to active from found or closed: a commander resumed it (its task reopened).
      const kind = s.status === 'active' ? 'search_resumed' : 'search_closed';
      return { ...common, kind, taskStationId: s.taskStationId };
    }
    default:
      return null;
  }
}

/** Events in time order (stable for equal times), answers titled with their task's title. */
export function finishEvents(events: readonly ReplayEvent[], titles: ReadonlyMap<string, string>): ReplayEvent[] {
  return events
    .map((e) =>
      e.kind === 'task_answered' ? { ...e, title: titles.get(`${e.taskStationId}:${e.taskId}`) ?? e.taskId! } : e,
    )
    .sort((a, b) => a.time - b.time);
}
