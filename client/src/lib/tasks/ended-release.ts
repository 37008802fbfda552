import {
  endedTaskIds,
  onEndedTask,
  releaseUnit,
  type Change,
  type Task,
  type TaskResponse,
  type Unit,
} from '@jointmap/shared';
import type { OperationSession } from '../state/operation-session.svelte.ts';

/** What the release needs of the operation session. */
export type EndedReleaseSession = Pick<OperationSession, 'records' | 'canWrite' | 'write' | 'user' | 'connection'>;

/** Units of `stationId` (in its own document) still recorded on a task that has ended. */
export function unitsLeftOnEndedTasks(session: Pick<OperationSession, 'records'>, stationId: string): Unit[] {
  const ended = endedTaskIds(
    session.records<Task>('tasks').map((r) => r.record),
    session.records<TaskResponse>('responses').map((r) => r.record),
  );
  return session
    .records<Unit>('units')
    .filter(({ scope, record }) => scope === stationId && record.stationId === stationId && onEndedTask(record, ended))
    .map((r) => r.record);
}

export interface EndedReleaseOptions {
  /** Wait at least this long after noticing before writing (changes settle, other consoles go first). */
  delayMs: number;
  /** Plus up to this much at random, so two consoles of one station rarely write at once. */
  jitterMs: number;
  random: () => number;
  now: () => number;
}

const DEFAULTS: EndedReleaseOptions = { delayMs: 1000, jitterMs: 2000, random: Math.random, now: Date.now };

/**
 * A station console releases its own units left on a task that ended (resolved by any station,
 * closed or cancelled by the raising one). Only the station's own document holds its units'
 * assignment and only its consoles (or a commander) may write it, so neither the station that
 * answered 办结 nor the raising dispatcher who closed the task can release them.
 *
 * Safe with several consoles of one station open: each waits a short random time, re-reads the
 * records and writes only the units still on an ended task; the release is the same whoever
 * writes it. Nothing is written while the documents are not all in sync, so a console that was
 * offline never releases a unit from what it saw before the link dropped.
 */
export class EndedUnitRelease {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly options: EndedReleaseOptions;

  constructor(
    private readonly session: EndedReleaseSession,
    options: Partial<EndedReleaseOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** The station this console releases for: a dispatcher's own, when writable. */
  get station(): string | null {
    const { role, stationId } = this.session.user;
    return role === 'dispatcher' && stationId && this.session.canWrite(stationId) ? stationId : null;
  }

  /**
   * Call whenever the records or the connection may have changed (an `$effect` does): schedules a
   * release when a unit of this station sits on an ended task. Reads the records every time, so
   * the caller's effect keeps following them.
   */
  check(): void {
    const station = this.station;
    if (!station) return;
    const online = this.session.connection === 'online';
    const left = unitsLeftOnEndedTasks(this.session, station);
    if (!online || left.length === 0 || this.timer) return;
    const wait = this.options.delayMs + Math.round(this.options.random() * this.options.jitterMs);
    this.timer = setTimeout(() => {
      this.timer = null;
      try {
        this.release();
      } catch {
        // Refused (the operation closed, access changed): the next change checks again.
      }
    }, wait);
  }

  /** Write the releases now, from the records as they are now; returns how many units were released. */
  release(): number {
    const station = this.station;
    if (!station || this.session.connection !== 'online') return 0;
    const left = unitsLeftOnEndedTasks(this.session, station);
    if (left.length === 0) return 0;
    const now = this.options.now();
    const changes: Change[] = left.map((u) => ({ type: 'put', map: 'units', key: u.id, value: releaseUnit(u, now) }));
    this.session.write(station, { type: 'batch', changes });
    return left.length;
  }

  /** Stop a pending release (the console closed). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
