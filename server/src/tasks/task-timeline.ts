import * as Y from 'yjs';
import {
  parseDocName,
  type SearchEditedField,
  type Search,
  type Sector,
  type Task,
  type TaskEditedField,
  type TaskResponse,
  type TimelineDetail,
  type TimelineEvent,
  type TimelineEventType,
  type Unit,
} from '@jointmap/shared';
import type { LoggedUpdate } from '../storage/types.ts';
import { SplitLedger } from './timeline-splits.ts';

/** Who and when of one logged update, shared by every event it produced. */
type EventBase = Pick<TimelineEvent, 'time' | 'seq' | 'scope' | 'userId' | 'userName' | 'sessionId'>;

const TASK_FIELDS: readonly TaskEditedField[] = ['title', 'description', 'location', 'area', 'priority', 'nonPolice'];
const SEARCH_FIELDS: readonly SearchEditedField[] = ['name', 'area', 'lastKnown', 'lastSeenAt', 'travelMode'];
/** Maps whose changes can concern a task, in the order their events are listed within one update. */
const MAPS = ['tasks', 'searches', 'sectors', 'responses', 'units'] as const;
type MapName = (typeof MAPS)[number];

/**
 * Replay one document's update log, update by update, into a fresh `Y.Doc` and list what each
 * update changed about task `taskId`: its record, responses to it, units assigned to it or taken
 * from it, its search and the search's sectors (of the splits a commander saw used, see
 * `SplitLedger`). Pure: the log and the account names come in.
 *
 * @param name document name `<operationId>/<scope>`; events carry its scope.
 * @param updates the document's full log, oldest first (`Storage.readUpdateLog`).
 * @param userNames account id → display name, for `userName`.
 * @example
 * replayTaskTimeline('op-1/deqing-yuyue', await storage.readUpdateLog('op-1/deqing-yuyue'), 't-abc', names)
 */
export function replayTaskTimeline(
  name: string,
  updates: readonly LoggedUpdate[],
  taskId: string,
  userNames: ReadonlyMap<string, string>,
): TimelineEvent[] {
  const replay = new TaskTimelineReplay(name, taskId);
  try {
    for (const u of updates) replay.apply(u);
    return withUserNames(replay.events(), userNames);
  } finally {
    replay.destroy();
  }
}

/** `events` with each author's display name (`userName`; null for an account not known). */
export function withUserNames(
  events: readonly TimelineEvent[],
  userNames: ReadonlyMap<string, string>,
): TimelineEvent[] {
  return events.map((e) => ({ ...e, userName: e.userId === null ? null : (userNames.get(e.userId) ?? null) }));
}

/**
 * {@link replayTaskTimeline} an update at a time, for a log read in pages (the caller gives the
 * event loop its turns). Events come without `userName` (null): the authors are known only once
 * the log is read ({@link withUserNames}). Destroy it after use.
 */
export class TaskTimelineReplay {
  private readonly scope: string;
  private readonly doc = new Y.Doc();
  private readonly maps: Map<MapName, Y.Map<unknown>>;
  private readonly shadow = new Map(MAPS.map((m) => [m, new Map<string, unknown>()] as const));
  private readonly searchIds = new Set<string>();
  private readonly splits = new SplitLedger();
  private readonly list: TimelineEvent[] = [];
  private changed: Y.Transaction['changed'] | null = null;

  constructor(
    name: string,
    private readonly taskId: string,
  ) {
    this.scope = parseDocName(name)?.scope ?? name;
    this.maps = new Map(MAPS.map((m) => [m, this.doc.getMap<unknown>(m)] as const));
    this.doc.on('afterTransaction', (tr: Y.Transaction) => {
      this.changed = tr.changed;
    });
  }

  /** The next update of the log. */
  apply(u: LoggedUpdate): void {
    this.changed = null;
    try {
      Y.applyUpdate(this.doc, u.update);
    } catch {
      return; // a damaged entry cannot be attributed; the rest of the log still can
    }
    const touched = new Map<unknown, Set<string | null>>((this.changed as Y.Transaction['changed'] | null) ?? []);
    if (!touched.size) return;
    const base: EventBase = {
      time: u.time,
      seq: u.seq,
      scope: this.scope,
      userId: u.userId,
      userName: null,
      sessionId: u.sessionId,
    };
    const out = new EventSink(base, this.list);
    for (const m of MAPS) {
      const ymap = this.maps.get(m)!;
      const keys = touched.get(ymap);
      if (!keys) continue;
      const previous = this.shadow.get(m)!;
      const diffs: Array<{ prev: unknown; next: unknown }> = [];
      for (const key of [...keys].filter((k): k is string => k !== null).sort()) {
        const prev = previous.get(key);
        const next = ymap.get(key);
        if (next === undefined) previous.delete(key);
        else previous.set(key, next);
        if (prev !== next) diffs.push({ prev, next });
      }
      describe(m, diffs, { taskId: this.taskId, searchIds: this.searchIds, splits: this.splits }, out);
    }
  }

  /** The events of the updates applied so far, of the splits used (`SplitLedger.keep`). */
  events(): TimelineEvent[] {
    return this.splits.keep(this.list);
  }

  destroy(): void {
    this.doc.destroy();
  }
}

class EventSink {
  constructor(
    private readonly base: EventBase,
    private readonly events: TimelineEvent[],
  ) {}

  add<K extends TimelineEventType>(type: K, detail: TimelineDetail<K>): TimelineEvent {
    const event = { ...this.base, type, detail } as TimelineEvent;
    this.events.push(event);
    return event;
  }
}

type Diff<T> = { prev: T | undefined; next: T | undefined };

/** What the replay knows beyond one update: the task, its searches, and their splits. */
interface Follow {
  taskId: string;
  searchIds: Set<string>;
  splits: SplitLedger;
}

function describe(
  map: MapName,
  diffs: Array<Diff<unknown>>,
  { taskId, searchIds, splits }: Follow,
  out: EventSink,
): void {
  switch (map) {
    case 'tasks':
      for (const d of diffs as Array<Diff<Task>>) if ((d.next ?? d.prev)?.id === taskId) taskEvents(d, out);
      return;
    case 'searches':
      for (const d of diffs as Array<Diff<Search>>) {
        if (d.next) splits.search(d.next);
        const s = d.next ?? d.prev;
        if (s?.taskId !== taskId) continue;
        searchIds.add(s.id);
        searchEvents(d, out);
      }
      return;
    case 'sectors': {
      const mine = (s: Sector | undefined) =>
        s !== undefined && (s.taskId === taskId || (!!s.searchId && searchIds.has(s.searchId)));
      sectorEvents(
        (diffs as Array<Diff<Sector>>).filter((d) => mine(d.next) || mine(d.prev)),
        splits,
        out,
      );
      return;
    }
    case 'responses':
      for (const d of diffs as Array<Diff<TaskResponse>>)
        if ((d.next ?? d.prev)?.taskId === taskId) responseEvents(d, out);
      return;
    case 'units':
      for (const d of diffs as Array<Diff<Unit>>) unitEvents(d, taskId, out);
      return;
  }
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function taskEvents({ prev, next }: Diff<Task>, out: EventSink): void {
  if (!next) {
    if (prev) out.add('task_deleted', {});
    return;
  }
  if (!prev) {
    out.add('task_raised', {
      stationId: next.stationId,
      title: next.title,
      priority: next.priority,
      targetStations: next.targetStations,
      nonPolice: next.nonPolice,
    });
    if (next.state === 'closed') out.add('task_closed', {});
    if (next.state === 'cancelled') out.add('task_cancelled', {});
    return;
  }
  const fields = TASK_FIELDS.filter((f) => !same(prev[f], next[f]));
  if (fields.length) out.add('task_edited', { fields });
  const added = next.targetStations.filter((s) => !prev.targetStations.includes(s));
  const removed = prev.targetStations.filter((s) => !next.targetStations.includes(s));
  if (added.length || removed.length) {
    out.add('task_targets_changed', { targetStations: next.targetStations, added, removed });
  }
  if (prev.state !== next.state) {
    if (next.state === 'closed') out.add('task_closed', {});
    else if (next.state === 'cancelled') out.add('task_cancelled', {});
    else out.add('task_reopened', { from: prev.state });
  } else if (next.state === 'open' && next.reopenedAt != null && next.reopenedAt !== prev.reopenedAt) {
    // Reopened while open: a target's 办结 (or every target's refusal) no longer counts.
    out.add('task_reopened', { from: 'open' });
  }
}

function responseEvents({ prev, next }: Diff<TaskResponse>, out: EventSink): void {
  if (!next) {
    if (prev) out.add('response_withdrawn', { stationId: prev.stationId });
    return;
  }
  const changed: Array<'status' | 'note' | 'units'> = [];
  if (!prev || prev.status !== next.status) changed.push('status');
  if (prev ? prev.note !== next.note : next.note !== '') changed.push('note');
  if (prev ? !same(prev.unitIds, next.unitIds) : next.unitIds.length > 0) changed.push('units');
  if (!changed.length) return;
  out.add('response', {
    stationId: next.stationId,
    status: next.status,
    previousStatus: prev?.status ?? null,
    changed,
    note: next.note,
    unitIds: next.unitIds,
  });
}

function unitEvents({ prev, next }: Diff<Unit>, taskId: string, out: EventSink): void {
  const before = prev?.assignedTaskId ?? null;
  const after = next?.assignedTaskId ?? null;
  if (before !== taskId && after !== taskId) return;
  const unit = (next ?? prev)!;
  const ref = { unitId: unit.id, callsign: unit.callsign, stationId: unit.stationId };
  if (after === taskId && before !== taskId) {
    out.add('unit_dispatched', { ...ref, status: next!.status, fromTaskId: before });
  } else if (before === taskId && after !== taskId) {
    if (after !== null) out.add('unit_reassigned_away', { ...ref, toTaskId: after });
    else out.add('unit_released', { ...ref, status: next?.status ?? null });
  } else if (prev!.status !== next!.status) {
    out.add('unit_status', { ...ref, status: next!.status, previousStatus: prev!.status });
  }
}

function searchEvents({ prev, next }: Diff<Search>, out: EventSink): void {
  if (!next) return; // a removed search leaves its sectors' events as the record of it
  if (!prev) {
    out.add('search_created', {
      searchId: next.id,
      name: next.name,
      travelMode: next.travelMode,
      lastSeenAt: next.lastSeenAt,
    });
  } else {
    const fields = SEARCH_FIELDS.filter((f) => !same(prev[f], next[f]));
    if (fields.length) out.add('search_edited', { searchId: next.id, fields });
  }
  const from = prev?.status ?? 'active';
  if (from === next.status) return;
  if (next.status === 'found' && next.found) {
    const f = next.found;
    out.add('search_found', {
      searchId: next.id,
      location: [f.location.coordinates[0], f.location.coordinates[1]],
      at: f.at,
      unitId: f.unitId,
      stationId: f.stationId,
      note: f.note,
    });
  } else if (next.status === 'closed') out.add('search_closed', { searchId: next.id });
  else if (next.status === 'active') out.add('search_reopened', { searchId: next.id, from });
}

function sectorEvents(diffs: Array<Diff<Sector>>, splits: SplitLedger, out: EventSink): void {
  const created = new Map<string | null, Sector[]>();
  const removed: Sector[] = [];
  for (const { prev, next } of diffs) {
    if (!next) {
      if (prev) removed.push(prev);
      continue;
    }
    if (!prev) {
      const searchId = next.searchId ?? null;
      created.set(searchId, [...(created.get(searchId) ?? []), next]);
      continue;
    }
    const ref = { sectorId: next.id, name: next.name };
    if (prev.assignedStationId !== next.assignedStationId || !same(prev.assignedUnitIds, next.assignedUnitIds)) {
      const e = out.add('sector_assigned', {
        ...ref,
        stationId: next.assignedStationId,
        unitIds: next.assignedUnitIds,
      });
      splits.note(e, [next]);
    }
    if (prev.status !== next.status) {
      splits.note(out.add('sector_status', { ...ref, status: next.status, previousStatus: prev.status }), [next]);
    }
  }
  for (const [searchId, sectors] of created) {
    const listed = sectors.map((s) => ({
      sectorId: s.id,
      name: s.name,
      assignedStationId: s.assignedStationId,
      assignedUnitIds: s.assignedUnitIds,
    }));
    splits.note(out.add('sectors_created', { searchId, sectors: listed }), sectors);
  }
  if (removed.length) {
    const e = out.add('sectors_removed', { sectors: removed.map((s) => ({ sectorId: s.id, name: s.name })) });
    splits.note(e, removed);
  }
}
