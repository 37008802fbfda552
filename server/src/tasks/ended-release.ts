import type { FastifyBaseLogger } from 'fastify';
import type * as Y from 'yjs';
import {
  applyChange,
  backoffDelay,
  docName,
  effectiveUnit,
  leftOnTask,
  operationDocNames,
  readMap,
  type NamedDoc,
  type RecordChange,
  type Unit,
  type UnitReleases,
} from '@jointmap/shared';
import type { Room } from '../rooms/room.ts';
import type { RoomManager } from '../rooms/room-manager.ts';
import { touchesAny } from '../rooms/room-options.ts';
import { writeYielding } from '../rooms/yielding-write.ts';
import type { Storage } from '../storage/types.ts';
import { releasesIn } from './ended-tasks.ts';

export interface EndedTaskReleaseOptions {
  storage: Pick<Storage, 'getOperation' | 'listOperations'>;
  rooms: Pick<RoomManager, 'get'>;
  log: Pick<FastifyBaseLogger, 'warn'>;
  /** Client ids for the yielding writes no other instance holds now (`takeYieldingIds`; default none). */
  takeIds?: (count: number) => Promise<number[]>;
  /** After a change committed on this instance, changes are gathered this long (ms) (default 200). */
  delayMs?: number;
  /**
   * After a change another instance committed (ms, default 2000): that instance releases first,
   * this one looks again in case it could not (it missed the other half while Redis was away).
   */
  relayedDelayMs?: number;
  /** A release that failed is tried again after this long (ms, default 1000), doubling up to a minute. */
  retryMs?: number;
  now?: () => number;
}

/** The maps whose changes can end a task, decline one or put a unit on one. */
const WATCHED = ['tasks', 'responses', 'units'] as const;

/**
 * The server releases units left on a task that ended (closed or cancelled by the raising station,
 * resolved by any target station), and a station's units on a task that station declined (its
 * newest answer: one accepted again keeps them): each such unit becomes available with no task, in
 * its own station's document, written as the server (no user). Consoles write no such release.
 *
 * Only a station's own document holds its units' assignment, so neither the station that answered
 * 办结 nor the raising dispatcher can release another station's units; the station's own console
 * may not be open at all (a night shift, a link down). The server is the one writer that always
 * is, so the commander's boards, the wall and every other console see the unit free within a
 * moment of the task's end, whoever is online.
 *
 * The release yields (`writeYielding`): a station that, offline, moved the unit to another task
 * (or a commander who moved it while the decline was on its way) keeps that choice, since the two
 * writes were concurrent. A unit put on a task
 * that has already ended (an offline console's late write) is released as soon as its write
 * arrives. Tasks and answers are read from the loaded rooms at the moment of the write, so a task
 * reopened meanwhile keeps its units. With several instances, the one that committed the change
 * releases; the others look again later (their copy may have lacked half of the story until Redis
 * came back), and a second release of the same unit is harmless. A release that could not be
 * written (storage) is tried again, a little later each time, until it is.
 */
export class EndedTaskRelease {
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; at: number }>();
  private readonly running = new Set<Promise<unknown>>();
  /** Failed releases in a row, per operation (the retry waits longer each time). */
  private readonly failures = new Map<string, number>();
  /** Callers of {@link idle}, woken when the last due or running release is done. */
  private readonly idleWaiters: Array<() => void> = [];
  private closed = false;
  private readonly delayMs: number;
  private readonly relayedDelayMs: number;
  private readonly retryMs: number;
  private readonly now: () => number;
  private readonly takeIds: (count: number) => Promise<number[]>;

  constructor(private readonly o: EndedTaskReleaseOptions) {
    this.delayMs = o.delayMs ?? 200;
    this.relayedDelayMs = o.relayedDelayMs ?? 2000;
    this.retryMs = o.retryMs ?? 1000;
    this.now = o.now ?? Date.now;
    this.takeIds = o.takeIds ?? (async () => []);
  }

  /** Look at every active operation once (units left on tasks that ended while the server was down). */
  async start(): Promise<void> {
    for (const op of await this.o.storage.listOperations()) if (op.status === 'active') this.schedule(op.id, 0);
  }

  /** Room manager hook: a document was committed on this instance (`roots`: the maps it changed). */
  onCommitted(doc: NamedDoc, roots?: ReadonlySet<string>): void {
    if (touchesAny(roots, WATCHED)) this.schedule(doc.operationId, this.delayMs);
  }

  /** Room manager hook: changes another instance committed were applied here. */
  onRelayed(doc: NamedDoc, roots?: ReadonlySet<string>): void {
    if (touchesAny(roots, WATCHED)) this.schedule(doc.operationId, this.relayedDelayMs);
  }

  /**
   * Release now every unit of `operationId` left on an ended or declined task; resolves with how many were
   * released. Nothing is written in an operation that is not active. A station whose document
   * could not be written does not keep the others from theirs; the first failure is thrown.
   */
  async release(operationId: string): Promise<number> {
    const op = await this.o.storage.getOperation(operationId);
    if (op?.status !== 'active') return 0;
    const rooms = await Promise.all(operationDocNames(op.id, op.stations).map((name) => this.o.rooms.get(name)));
    await Promise.all(rooms.map((room) => room.idle()));
    // Closing stores the status first, then unloads the rooms: rooms got before a close finished
    // are unloaded (a write to them is dropped), rooms got after it are seen closed here.
    if ((await this.o.storage.getOperation(operationId))?.status !== 'active') return 0;
    let released = 0;
    const failed: unknown[] = [];
    for (const stationId of op.stations) {
      const room = rooms.find((r) => r.name === docName(op.id, stationId))!;
      await this.releaseIn(room, stationId, rooms).then(
        (n) => (released += n),
        (err: unknown) => failed.push(err),
      );
    }
    if (failed.length) throw failed[0];
    return released;
  }

  /** Resolves when no release is due or running (tests: before they take storage away). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stop following changes; the releases waiting are written first (the rooms are still open). */
  async close(): Promise<void> {
    this.closed = true;
    for (const [id, { timer }] of this.timers) {
      clearTimeout(timer);
      this.timers.delete(id);
      this.run(id);
    }
    await Promise.allSettled([...this.running]);
  }

  /** Release the units of `stationId` left on ended tasks or tasks it declined, in its own room. */
  private async releaseIn(room: Room, stationId: string, rooms: readonly Room[]): Promise<number> {
    // Most looks find nothing: no id is taken, nothing queued.
    if (this.releases(room.doc, stationId, releasesIn(rooms.map((r) => r.doc))).length === 0) return 0;
    const ids = await this.takeIds(2);
    let released = 0;
    await room.serverChange((doc) => {
      // Read again at the moment of the write: what the room applied meanwhile counts.
      const changes = this.releases(doc, stationId, releasesIn(rooms.map((r) => r.doc)));
      if (changes.length === 0) return;
      writeYielding(doc, () => applyChange(doc, 'station', { type: 'batch', changes }, { source: 'server' }), ids);
      released = changes.length;
    });
    return released;
  }

  /** Release `operationId` in `delayMs`, or sooner if a release of it is already due sooner. */
  private schedule(operationId: string, delayMs: number): void {
    if (this.closed) return;
    const at = Date.now() + delayMs;
    const pending = this.timers.get(operationId);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(operationId);
      this.run(operationId);
    }, delayMs);
    timer.unref();
    this.timers.set(operationId, { timer, at });
  }

  private run(operationId: string): void {
    const job = this.release(operationId).then(
      () => this.failures.delete(operationId),
      (err: unknown) => {
        const failures = (this.failures.get(operationId) ?? 0) + 1;
        this.failures.set(operationId, failures);
        const retryInMs = backoffDelay(failures - 1, { baseMs: this.retryMs, maxMs: 60_000 });
        this.o.log.warn({ err, operation: operationId, retryInMs }, 'units on ended tasks not released; retrying');
        this.schedule(operationId, retryInMs);
      },
    );
    this.running.add(job);
    void job.finally(() => {
      this.running.delete(job);
      // A failed release has scheduled its retry by now: not idle yet.
      if (this.isIdle()) for (const wake of this.idleWaiters.splice(0)) wake();
    });
  }

  private isIdle(): boolean {
    return this.timers.size === 0 && this.running.size === 0;
  }

  private releases(doc: Y.Doc, stationId: string, releases: UnitReleases): RecordChange[] {
    if (releases.ended.size === 0 && releases.declined.size === 0) return [];
    const now = this.now();
    const changes: RecordChange[] = [];
    for (const [key, unit] of readMap<Unit>(doc, 'units')) {
      if (unit.stationId !== stationId || !leftOnTask(unit, releases)) continue;
      // As the boards already read it: available with no task (an off-duty unit stays off duty).
      changes.push({ type: 'put', map: 'units', key, value: { ...effectiveUnit(unit, releases), updatedAt: now } });
    }
    return changes;
  }
}
