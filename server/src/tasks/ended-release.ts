import type { FastifyBaseLogger } from 'fastify';
import type * as Y from 'yjs';
import {
  applyChange,
  docName,
  endedTaskIds,
  effectiveUnit,
  onEndedTask,
  operationDocNames,
  readMap,
  type NamedDoc,
  type RecordChange,
  type Task,
  type TaskResponse,
  type Unit,
} from '@jointmap/shared';
import type { Room } from '../rooms/room.ts';
import type { RoomManager } from '../rooms/room-manager.ts';
import { touchesAny } from '../rooms/room-options.ts';
import type { Storage } from '../storage/types.ts';

export interface EndedTaskReleaseOptions {
  storage: Pick<Storage, 'getOperation' | 'listOperations'>;
  rooms: Pick<RoomManager, 'get'>;
  log: Pick<FastifyBaseLogger, 'warn'>;
  /** Changes are gathered this long (ms) before the operation is read (default 200). */
  delayMs?: number;
  now?: () => number;
}

/** The maps whose changes can end a task or put a unit on one. */
const WATCHED = ['tasks', 'responses', 'units'] as const;

/**
 * The server releases units left on a task that ended (closed or cancelled by the raising station,
 * resolved by any target station): each such unit becomes available with no task, in its own
 * station's document, written as the server (no user).
 *
 * Only a station's own document holds its units' assignment, so neither the station that answered
 * 办结 nor the raising dispatcher can release another station's units; the station's own console
 * may not be open at all (a night shift, a link down). The server is the one writer that always
 * is, so the commander's boards, the wall and every other console see the unit free within a
 * moment of the task's end, whoever is online.
 *
 * Follows the documents committed on this instance (a change committed on another instance is
 * released there). A unit put on a task that has already ended (an offline console's late write)
 * is released as soon as its write arrives. The tasks and answers are read from the loaded rooms
 * at the moment of the write, so a task reopened meanwhile keeps its units.
 */
export class EndedTaskRelease {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;
  private readonly delayMs: number;
  private readonly now: () => number;

  constructor(private readonly o: EndedTaskReleaseOptions) {
    this.delayMs = o.delayMs ?? 200;
    this.now = o.now ?? Date.now;
  }

  /** Look at every active operation once (units left on tasks that ended while the server was down). */
  async start(): Promise<void> {
    for (const op of await this.o.storage.listOperations()) if (op.status === 'active') this.schedule(op.id);
  }

  /** Room manager hook: a document of this instance was committed (`roots`: the maps it changed). */
  onCommitted(doc: NamedDoc, roots?: ReadonlySet<string>): void {
    if (!this.closed && touchesAny(roots, WATCHED)) this.schedule(doc.operationId);
  }

  /**
   * Release now every unit of `operationId` left on an ended task; resolves with how many were
   * released. Nothing is written in an operation that is not active.
   */
  async release(operationId: string): Promise<number> {
    const op = await this.o.storage.getOperation(operationId);
    if (!op || op.status !== 'active') return 0;
    const rooms = await Promise.all(operationDocNames(op.id, op.stations).map((name) => this.o.rooms.get(name)));
    await Promise.all(rooms.map((room) => room.idle()));
    let released = 0;
    for (const stationId of op.stations) {
      const room = rooms.find((r) => r.name === docName(op.id, stationId))!;
      await room.serverChange((doc) => {
        const changes = this.releases(doc, stationId, endedIn(rooms));
        if (changes.length === 0) return;
        applyChange(doc, 'station', { type: 'batch', changes }, { source: 'server' });
        released += changes.length;
      });
    }
    return released;
  }

  /** Resolves when no release is waiting or running (tests; shutdown). */
  async whenIdle(): Promise<void> {
    while (this.timers.size || this.running.size) {
      for (const [id, timer] of this.timers) {
        clearTimeout(timer);
        this.timers.delete(id);
        this.run(id);
      }
      await Promise.allSettled([...this.running]);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }

  private schedule(operationId: string): void {
    if (this.closed || this.timers.has(operationId)) return;
    const timer = setTimeout(() => {
      this.timers.delete(operationId);
      this.run(operationId);
    }, this.delayMs);
    timer.unref();
    this.timers.set(operationId, timer);
  }

  private run(operationId: string): void {
    const job = this.release(operationId).catch((err: unknown) =>
      this.o.log.warn({ err, operation: operationId }, 'units on ended tasks not released; the next change retries'),
    );
    this.running.add(job);
    void job.finally(() => this.running.delete(job));
  }

  private releases(doc: Y.Doc, stationId: string, ended: ReadonlySet<string>): RecordChange[] {
    if (ended.size === 0) return [];
    const now = this.now();
    const changes: RecordChange[] = [];
    for (const [key, unit] of readMap<Unit>(doc, 'units')) {
      if (unit.stationId !== stationId || !onEndedTask(unit, ended)) continue;
      // As the boards already read it: available with no task (an off-duty unit stays off duty).
      changes.push({ type: 'put', map: 'units', key, value: { ...effectiveUnit(unit, ended), updatedAt: now } });
    }
    return changes;
  }
}

/** Tasks that ended, from every document of the operation as the rooms hold them now. */
function endedIn(rooms: readonly Room[]): Set<string> {
  const tasks: Task[] = [];
  const responses: TaskResponse[] = [];
  for (const room of rooms) {
    tasks.push(...readMap<Task>(room.doc, 'tasks').values());
    responses.push(...readMap<TaskResponse>(room.doc, 'responses').values());
  }
  return endedTaskIds(tasks, responses);
}
