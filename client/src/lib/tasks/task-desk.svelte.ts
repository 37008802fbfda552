import { SvelteSet } from 'svelte/reactivity';
import {
  AppError,
  defaultTargetStations,
  type ResponseStatus,
  type Task,
  type TaskResponse,
  type TaskState,
  type Unit,
  newTaskId,
} from '@jointmap/shared';
import { errorText } from '../i18n/error-text.ts';
import { i18n } from '../i18n/i18n.svelte.ts';
import { validationText } from '../i18n/validation-text.ts';
import { playTones, type Tone } from '../sound.ts';
import type { OperationSession } from '../state/operation-session.svelte.ts';
import { serverNow } from '../state/server-clock.ts';
import { answerChange } from './answer.ts';
import { ArrivalWatch } from './arrival-watch.ts';
import {
  buildTask,
  DEFAULT_TARGET_RADIUS_M,
  jurisdictionsOf,
  raiseProblem,
  type RaiseInput,
  type TaskGeometry,
} from './raise-task.ts';
import { buildTaskViews, inboxOf, isUnread, raisedBy, raisingStationOf, taskKey, type TaskView } from './task-views.ts';

/** A task being raised: where, the annotation it comes from, and the default target stations. */
export interface RaiseDraft {
  geometry: TaskGeometry;
  /** Label of the annotation it was raised from (null: a map click). */
  fromLabel: string | null;
  defaultTargets: string[];
}

const READ_LIMIT = 2000;
/** The new-task sound: a short rising two-tone beep (about 0.35 s). */
const NEW_TASK_BEEP: readonly Tone[] = [
  { freq: 880, at: 0, length: 0.15 },
  { freq: 1320, at: 0.17, length: 0.15 },
];

const readKey = (userId: string) => `jointmap.tasks.read.${userId}`;
/** The mute is a person's choice, kept per user: the next dispatcher on a shared PC still hears tasks. */
const muteKey = (userId: string) => `jointmap.tasks.muted.${userId}`;

function loadJson<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw === null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}

function saveJson(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // storage full or unavailable: kept for this page only
  }
}

/**
 * The tasks of one open operation as the console works with them: every task with its derived
 * status, my inbox and what is unread (read ids and the mute remembered per user), the new-task sound, the
 * selected task, the task being raised, and the writes (raise, answer, close, cancel).
 */
export class TaskDesk {
  selectedKey = $state<string | null>(null);
  draft = $state.raw<RaiseDraft | null>(null);
  /** This user's mute of the new-task sound (remembered per user on this browser). */
  muted = $state(false);
  /** New tasks for me noticed since the page opened (each would beep unless muted). */
  arrivals = $state(0);
  /** Moves the map to a task; set by the console's TaskLayer. */
  locate: ((view: TaskView) => void) | null = null;
  readonly read: SvelteSet<string>;
  private readonly arrivalWatch = new ArrivalWatch();
  private jurisdictions: ReturnType<typeof jurisdictionsOf> | null = null;

  constructor(readonly session: OperationSession) {
    this.muted = loadJson<unknown>(muteKey(session.user.id), false) === true;
    const stored = loadJson<unknown>(readKey(session.user.id), []);
    this.read = new SvelteSet(Array.isArray(stored) ? stored.filter((x): x is string => typeof x === 'string') : []);
  }

  /** Every task of the operation, newest first. */
  readonly views = $derived.by(() =>
    buildTaskViews(
      this.session.records<Task>('tasks'),
      this.session.records<TaskResponse>('responses').map((r) => r.record),
    ),
  );

  readonly inbox = $derived.by(() => inboxOf(this.views, this.session.user));
  readonly raised = $derived.by(() => raisedBy(this.views, this.session.user));
  readonly unread = $derived.by(() => this.inbox.filter((v) => isUnread(v, this.session.user, this.read)).length);
  readonly selected = $derived.by(() => this.views.find((v) => taskKey(v.task) === this.selectedKey) ?? null);

  /** The station this user raises tasks for (`command` for a commander), null for viewers. */
  get raisingStation(): string | null {
    const station = raisingStationOf(this.session.user);
    return station && this.session.canWrite(station) ? station : null;
  }

  get targetRadiusM(): number {
    return this.session.data.view.dispatch?.targetRadiusM ?? DEFAULT_TARGET_RADIUS_M;
  }

  isUnread(view: TaskView): boolean {
    return isUnread(view, this.session.user, this.read);
  }

  open(view: TaskView): void {
    this.selectedKey = taskKey(view.task);
    this.draft = null;
    this.markRead(view.task.id);
  }

  close(): void {
    this.selectedKey = null;
  }

  markRead(taskId: string): void {
    if (this.read.has(taskId)) return;
    this.read.add(taskId);
    saveJson(readKey(this.session.user.id), [...this.read].slice(-READ_LIMIT));
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    saveJson(muteKey(this.session.user.id), muted);
  }

  /**
   * Called whenever the inbox or the connection changes: a task for me that was not there before
   * (and that I did not raise) beeps, unless muted. What the documents held when they first
   * synced is not new.
   */
  notice(inbox: readonly TaskView[], online: boolean): void {
    const ids = inbox.filter((v) => v.task.createdBy !== this.session.user.id).map((v) => v.task.id);
    if (!this.arrivalWatch.observe(ids, online, performance.now(), this.read)) return;
    this.arrivals++;
    if (!this.muted) playTones(NEW_TASK_BEEP, { wave: 'sine', peak: 0.2 });
  }

  // ---- raising ---------------------------------------------------------------------------------

  /** Open the raise form for a point or area; the default targets come from the jurisdictions. */
  startRaise(geometry: TaskGeometry, fromLabel: string | null = null): void {
    const station = this.raisingStation;
    if (!station) return;
    this.jurisdictions ??= jurisdictionsOf(this.session.data.jurisdictions);
    const defaultTargets = defaultTargetStations(this.jurisdictions, geometry, this.targetRadiusM, station).filter(
      (s) => this.session.station(s),
    );
    this.draft = { geometry, fromLabel, defaultTargets };
  }

  cancelRaise(): void {
    this.draft = null;
  }

  /** Write the task; returns the message to show when it cannot be raised, else null. */
  raise(input: Omit<RaiseInput, 'geometry'>): string | null {
    const draft = this.draft;
    const station = this.raisingStation;
    if (!draft || !station) return null;
    const task = buildTask(
      { ...input, geometry: draft.geometry },
      { id: newTaskId(), stationId: station, userId: this.session.user.id, now: serverNow(this.session) },
    );
    const problem = raiseProblem(task, this.session.doc(station)?.kind ?? 'station');
    if (problem)
      return problem.kind === 'invalid'
        ? i18n.t('tasks.error.invalid', { problem: validationText(problem.problem, problem.issues) })
        : i18n.t(`tasks.error.${problem.kind}`);
    const error = this.tryWrite(() =>
      this.session.write(station, { type: 'put', map: 'tasks', key: task.id, value: task }),
    );
    if (error) return error;
    this.draft = null;
    this.markRead(task.id);
    this.selectedKey = taskKey(task);
    return null;
  }

  // ---- answering and managing --------------------------------------------------------------------

  /** The station this user answers for on `view`: its own, when targeted and writable. */
  answeringStation(view: TaskView): string | null {
    const station = this.session.user.stationId;
    if (!station || !view.task.targetStations.includes(station) || !this.session.canWrite(station)) return null;
    return station;
  }

  /** May this user close, cancel or reopen the task (the raising station, or a commander)? */
  canManage(view: TaskView): boolean {
    if (!this.session.canWrite(view.scope)) return false;
    return this.session.user.role === 'commander' || this.session.user.stationId === view.task.stationId;
  }

  /**
   * My station's units as the answer form lists them, by callsign: as every view shows them
   * (`effectiveUnits`), so one left on a task my station declined is free, not on it.
   */
  myUnits(station: string): Unit[] {
    return this.session.effectiveUnits
      .filter((u) => u.stationId === station)
      .sort((a, b) => a.callsign.localeCompare(b.callsign, 'zh-CN'));
  }

  /** Write my station's answer (and move its units); returns the message to show, else null. */
  answer(view: TaskView, status: ResponseStatus, note: string, unitIds: readonly string[]): string | null {
    const station = this.answeringStation(view);
    if (!station) return null;
    if (status === 'declined' && note.trim() === '') return i18n.t('tasks.error.declineReason');
    const change = answerChange({
      task: view.task,
      stationId: station,
      status,
      userId: this.session.user.id,
      now: serverNow(this.session),
      previous: view.responses.get(station),
      note,
      unitIds,
      // The records as they are (the answer writes from them; `answerChange` keeps my station's).
      roster: this.session.records<Unit>('units').map((r) => r.record),
    });
    return this.tryWrite(() => this.session.write(station, change));
  }

  /**
   * Close, cancel or reopen a task (`task.state` in the raising document). A reopen is stamped
   * (`reopenedAt`): the targets' earlier answers (a 办结 among them) no longer end it, as the
   * raising station cannot rewrite them.
   *
   * Ending a task writes nothing to the units on it: the server releases them (`EndedTaskRelease`)
   * once the end reaches it, with a write that yields to any concurrent one, and every board reads
   * them as free meanwhile (`effectiveUnit`). A release written here would be an ordinary write,
   * and could undo a station's concurrent move of the unit to another task when the two merge.
   */
  setState(view: TaskView, state: TaskState): string | null {
    if (!this.canManage(view)) return null;
    const now = serverNow(this.session);
    const value: Task = { ...view.task, state, updatedAt: now, ...(state === 'open' ? { reopenedAt: now } : {}) };
    return this.tryWrite(() => this.session.write(view.scope, { type: 'put', map: 'tasks', key: value.id, value }));
  }

  private tryWrite(write: () => void): string | null {
    try {
      write();
      return null;
    } catch (err) {
      if (err instanceof AppError) return i18n.t('tasks.error.invalid', { problem: errorText(err) });
      throw err;
    }
  }
}

const desks = new WeakMap<OperationSession, TaskDesk>();

/** The one TaskDesk of an open operation (the toolbar, the map layer and the panels share it). */
export function taskDeskFor(session: OperationSession): TaskDesk {
  let desk = desks.get(session);
  if (!desk) desks.set(session, (desk = new TaskDesk(session)));
  return desk;
}
