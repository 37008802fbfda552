import {
  AppError,
  applyChange,
  docName,
  parseDocName,
  readMap,
  type Change,
  type ChangeOrigin,
  type Jurisdiction,
} from '@jointmap/shared';
import type { RoomManager } from '../rooms/room-manager.ts';
import { roomForWrite } from '../services/operations.ts';
import type { Storage } from '../storage/types.ts';
import { sleep } from './sim-engine.ts';

/** Time for the story: real by default; tests pass one that does not wait. */
export interface StoryClock {
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const realClock: StoryClock = { now: () => Date.now(), sleep };

/** What a story remembers across restarts (kept as JSON in a setting). */
export interface StoryState {
  /** Ids chosen when the story first started, so a resumed story writes the same records. */
  ids: Record<string, string>;
  /** Values a step found out and a later step needs (e.g. where the person was found). */
  facts: Record<string, unknown>;
  /** How many steps are done. */
  done: number;
  finished: boolean;
}

/** What a step may do: write documents as a demo user, read them, look things up. */
export interface StoryContext {
  readonly operationId: string;
  readonly state: StoryState;
  now(): number;
  /** Write `change` into the document of `scope` (`command` or a station id) as `userId`. */
  write(scope: string, userId: string, change: Change): Promise<void>;
  /** The records of one map of a document, read from the loaded room. */
  read<T>(scope: string, map: string): Promise<Map<string, T>>;
  jurisdictions(): Promise<Jurisdiction[]>;
  /** A unit's latest position (WGS-84), if it ever sent one. */
  latestPosition(stationId: string, unitId: string): Promise<[number, number] | null>;
}

export interface StoryStep {
  /** Stable id (tests, logs). */
  id: string;
  /** When the step runs, ms after the story started (before time scaling). */
  at: number;
  /** Short log line, Chinese then English. */
  log: string;
  run(ctx: StoryContext): Promise<void>;
}

export interface Story {
  /** Setting key under which the story's progress is kept: one play per data directory. */
  key: string;
  /** Ids to draw once, when the story starts for the first time. */
  newIds(): Record<string, string>;
  steps: readonly StoryStep[];
}

export interface StoryPlayerDeps {
  rooms: Pick<RoomManager, 'get'>;
  storage: Pick<Storage, 'getSetting' | 'setSetting' | 'latestPosition' | 'getOperation' | 'getStation'>;
  log: { info(msg: string): void; warn(msg: string): void; error(obj: object, msg: string): void };
}

export interface StoryPlayerOptions {
  operationId: string;
  /** Multiplies every wait (0.1 plays a 4-minute story in 24 s). */
  timeScale?: number;
  clock?: StoryClock;
}

/** Session id stamped on the story's writes in the update log (the timeline shows the user). */
export const STORY_SESSION_ID = 'demo-story';

/** `closed`: the operation was closed (or purged) under the story, which then ends for good. */
export type StoryOutcome = 'finished' | 'already-played' | 'stopped' | 'closed' | 'failed';

/**
 * Plays a scripted story once per data directory: each step at its time, as document writes
 * through the rooms (always `roomForWrite`, so documents unloaded while idle are simply loaded
 * again, and nothing is written once the operation closed), authored as the demo user who would
 * do it. Once the operation is closed the story ends for good, also after a restart. Progress is saved after every step, so a
 * restart mid-story **resumes** at the next step, keeping the remaining gaps between steps (a step
 * interrupted half-way runs again; every step writes whole records, so that is harmless).
 */
export class StoryPlayer {
  private readonly abort = new AbortController();
  private readonly clock: StoryClock;
  private readonly timeScale: number;
  private running: Promise<StoryOutcome> | null = null;

  constructor(
    private readonly story: Story,
    private readonly deps: StoryPlayerDeps,
    private readonly options: StoryPlayerOptions,
  ) {
    this.clock = options.clock ?? realClock;
    this.timeScale = options.timeScale ?? 1;
  }

  /** Start (once); resolves with how the story ended. */
  play(): Promise<StoryOutcome> {
    this.running ??= this.run().catch((err: unknown) => {
      this.deps.log.error({ err }, `演示剧情中断 demo story failed: ${(err as Error).message}`);
      return 'failed' as const;
    });
    return this.running;
  }

  /** Stop waiting for the next step and let the current one finish. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async run(): Promise<StoryOutcome> {
    const saved = await this.deps.storage.getSetting(this.story.key);
    const state: StoryState = saved
      ? (JSON.parse(saved) as StoryState)
      : { ids: this.story.newIds(), facts: {}, done: 0, finished: false };
    if (state.finished) {
      this.deps.log.info(`演示剧情已播放 demo story already played in this data directory (setting ${this.story.key})`);
      return 'already-played';
    }
    const steps = [...this.story.steps].sort((a, b) => a.at - b.at);
    if (!(await this.operationOpen())) return this.closed(state);
    if (state.done > 0) this.deps.log.info(`演示剧情继续 demo story resumes at step ${state.done + 1}/${steps.length}`);
    else this.deps.log.info(`演示剧情开始 demo story starts (${steps.length} steps)`);
    await this.save(state);
    const ctx = this.context(state);
    for (let i = state.done; i < steps.length; i++) {
      const step = steps[i]!;
      const wait = (step.at - (i > 0 ? steps[i - 1]!.at : 0)) * this.timeScale;
      await this.clock.sleep(wait, this.abort.signal);
      if (this.abort.signal.aborted) return 'stopped';
      if (!(await this.operationOpen())) return this.closed(state);
      try {
        await step.run(ctx);
      } catch (err) {
        // Closed while the step ran (its write refused, FORBIDDEN, or its rooms gone with a purge).
        const refused = err instanceof AppError && (err.code === 'FORBIDDEN' || err.code === 'OPERATION_PURGED');
        if (refused && !(await this.operationOpen())) return this.closed(state);
        throw err;
      }
      state.done = i + 1;
      state.finished = state.done === steps.length;
      await this.save(state);
      this.deps.log.info(`演示剧情 demo story ${i + 1}/${steps.length}: ${step.log}`);
    }
    return 'finished';
  }

  /** The story's operation is still there to write into (not closed, not purged). */
  private async operationOpen(): Promise<boolean> {
    const op = await this.deps.storage.getOperation(this.options.operationId);
    return op?.status === 'active' && op.purgedAt == null;
  }

  /** The operation was closed: the story ends here, and does not start again after a restart. */
  private async closed(state: StoryState): Promise<StoryOutcome> {
    state.finished = true;
    await this.save(state);
    this.deps.log.info(
      `演示剧情结束：行动已关闭 demo story ends: operation ${this.options.operationId} was closed (step ${state.done + 1})`,
    );
    return 'closed';
  }

  private save(state: StoryState): Promise<void> {
    return this.deps.storage.setSetting(this.story.key, JSON.stringify(state));
  }

  private context(state: StoryState): StoryContext {
    const { operationId } = this.options;
    const { rooms, storage } = this.deps;
    let jurisdictions: Promise<Jurisdiction[]> | null = null;
    return {
      operationId,
      state,
      now: () => this.clock.now(),
      async write(scope, userId, change) {
        const name = docName(operationId, scope);
        const kind = parseDocName(name)?.kind;
        if (!kind) throw new Error(`not a document: ${name}`);
        const origin: ChangeOrigin = { source: 'session', sessionId: STORY_SESSION_ID, userId };
        // As REST writes do: refused (FORBIDDEN) once the operation closed, also when a close
        // unloads the room before the write ran. A room unloaded while idle between the load and
        // the write refuses it as unavailable: load it again.
        for (let attempt = 0; ; attempt++) {
          const room = await roomForWrite({ rooms, storage }, operationId, scope);
          try {
            await room.serverChange(
              (doc) => applyChange(doc, kind, change, origin, kind === 'station' ? scope : undefined),
              { sessionId: STORY_SESSION_ID, userId },
            );
            return;
          } catch (err) {
            if (!(err instanceof AppError && err.code === 'STORAGE_UNAVAILABLE') || attempt >= 2) throw err;
          }
        }
      },
      async read<T>(scope: string, map: string) {
        const room = await rooms.get(docName(operationId, scope));
        return readMap<T>(room.doc, map);
      },
      jurisdictions() {
        jurisdictions ??= (async () => {
          const op = await storage.getOperation(operationId);
          const out: Jurisdiction[] = [];
          for (const id of op?.stations ?? []) {
            const station = await storage.getStation(id);
            if (station?.jurisdiction) out.push({ stationId: id, area: station.jurisdiction });
          }
          return out;
        })();
        return jurisdictions;
      },
      async latestPosition(stationId, unitId) {
        const fix = await storage.latestPosition(stationId, unitId);
        return fix ? [fix.lng, fix.lat] : null;
      },
    };
  }
}
