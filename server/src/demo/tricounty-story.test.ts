import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  deriveTaskStatus,
  docName,
  readMap,
  type Annotation,
  type Search,
  type Sector,
  type Task,
  type TaskResponse,
  type Unit,
} from '@jointmap/shared';
import { buildApp, type BuiltApp } from '../app.ts';
import { defaultConfig } from '../config.ts';
import { DEMO_OPERATION_ID } from '../seed/demo.ts';
import { StoryPlayer, STORY_SESSION_ID, type Story, type StoryClock } from './story-player.ts';
import {
  CLUE_LABEL,
  DISPATCHED_UNITS,
  FOUND_LABEL,
  LINPING,
  TASK_TITLE,
  tricountyStory,
  YUYUE,
  ZHOUQUAN,
} from './tricounty-story.ts';

const OP = DEMO_OPERATION_ID;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A real app (SQLite in a temp dir, demo seeded, simulator off) whose rooms unload 1 ms after use. */
async function app(): Promise<BuiltApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jointmap-story-'));
  const built = await buildApp(
    defaultConfig({ dataDir, demoPassword: 'story-pass-1', logLevel: 'silent', simulate: false, roomIdleMs: 1 }),
    { logger: false },
  );
  cleanups.push(async () => {
    await built.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return built;
}

/**
 * A clock that does not wait for the story's time but lets a few real milliseconds pass at each
 * step, so idle rooms unload between steps as they would over minutes.
 */
class StepClock implements StoryClock {
  time = 1_750_000_000_000;
  readonly start = this.time;
  readonly roomsAfterWait: number[] = [];
  constructor(
    private readonly built: BuiltApp,
    private readonly onSleep: (count: number) => void = () => undefined,
  ) {}
  private sleeps = 0;
  now = () => this.time;
  sleep = async (ms: number) => {
    this.onSleep(++this.sleeps);
    await new Promise((r) => setTimeout(r, 10));
    this.roomsAfterWait.push(this.built.ctx.rooms.size);
    this.time += ms;
  };
}

/** The story with each step recording its id and story time when it runs. */
function observed(runs: Array<[string, number]>, clock: StoryClock & { start: number }): Story {
  return {
    ...tricountyStory,
    steps: tricountyStory.steps.map((s) => ({
      ...s,
      run: async (ctx) => {
        runs.push([s.id, clock.now() - clock.start]);
        await s.run(ctx);
      },
    })),
  };
}

function player(built: BuiltApp, story: Story, clock: StoryClock, timeScale = 1): StoryPlayer {
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  return new StoryPlayer(
    story,
    { rooms: built.ctx.rooms, storage: built.ctx.storage, log },
    {
      operationId: OP,
      timeScale,
      clock,
    },
  );
}

async function read<T>(built: BuiltApp, scope: string, map: string): Promise<Map<string, T>> {
  const room = await built.ctx.rooms.get(docName(OP, scope));
  return readMap<T>(room.doc, map);
}

const TIMELINE: Array<[string, number]> = [
  ['raise', 10_000],
  ['yuyue-acknowledges', 20_000],
  ['yuyue-accepts', 23_000],
  ['zhouquan-acknowledges', 25_000],
  ['search', 30_000],
  ['dispatch', 32_000],
  ['zhouquan-accepts', 40_000],
  ['clue', 120_000],
  ['found', 230_000],
  ['yuyue-resolves', 240_000],
  ['close', 250_000],
];

// A whole story per test, with a real search area and grid: generous on a loaded 2-core machine.
describe('tri-county demo story', { timeout: 60_000 }, () => {
  it('plays its steps in order at their times, scaled, within five minutes', async () => {
    const built = await app();
    const clock = new StepClock(built);
    const runs: Array<[string, number]> = [];
    expect(await player(built, observed(runs, clock), clock, 0.5).play()).toBe('finished');
    expect(runs).toEqual(TIMELINE.map(([id, at]) => [id, at * 0.5]));
    expect(TIMELINE.at(-1)![1]).toBeLessThanOrEqual(5 * 60_000);
  });

  it('ends with the task raised by 临平 resolved, the search found, markers set and the units released', async () => {
    const built = await app();
    const clock = new StepClock(built);
    expect(await player(built, tricountyStory, clock).play()).toBe('finished');
    // The rooms were unloaded between steps, and the story went on through `rooms.get`.
    expect(clock.roomsAfterWait).toContain(0);

    const [task, ...others] = [...(await read<Task>(built, LINPING, 'tasks')).values()];
    expect(others).toEqual([]);
    expect(task).toMatchObject({
      stationId: LINPING,
      title: TASK_TITLE,
      priority: 'high',
      state: 'closed',
      location: { type: 'Point', coordinates: [120.2954, 30.5222] },
      createdBy: 'u-linping',
    });
    expect(task!.id).toMatch(/^t-[A-Za-z0-9_-]{10}$/);
    expect([...task!.targetStations].sort()).toEqual([YUYUE, ZHOUQUAN].sort());

    const yuyue = (await read<TaskResponse>(built, YUYUE, 'responses')).get(`${LINPING}:${task!.id}`);
    const zhouquan = (await read<TaskResponse>(built, ZHOUQUAN, 'responses')).get(`${LINPING}:${task!.id}`);
    expect([yuyue?.status, yuyue?.updatedBy]).toEqual(['resolved', 'u-deqing']);
    expect([zhouquan?.status, zhouquan?.unitIds]).toEqual(['accepted', ['zhouquan-car-01']]);
    expect(deriveTaskStatus(task!, [yuyue!, zhouquan!])).toBe('resolved');

    const searches = [...(await read<Search>(built, 'command', 'searches')).values()];
    expect(searches.map((s) => [s.taskId, s.taskStationId, s.status, s.travelMode])).toEqual([
      [task!.id, LINPING, 'found', 'bicycle'],
    ]);
    const sectors = [...(await read<Sector>(built, 'command', 'sectors')).values()];
    expect(sectors.length).toBeGreaterThan(4);
    for (const s of sectors) {
      expect([s.taskId, s.searchId, s.sweepWidthM]).toEqual([task!.id, searches[0]!.id, 100]);
      expect([YUYUE, LINPING, ZHOUQUAN]).toContain(s.assignedStationId);
    }
    // Each dispatched unit sweeps one sector of its own station.
    const sweeping = sectors.flatMap((s) => s.assignedUnitIds.map((u) => [u, s.assignedStationId]));
    expect(sweeping.sort()).toEqual(
      [
        ['drone-01', YUYUE],
        ['yuyue-car-01', YUYUE],
        ['yuyue-foot-02', YUYUE],
        ['zhouquan-car-01', ZHOUQUAN],
      ].sort(),
    );

    const markers = [...(await read<Annotation>(built, YUYUE, 'annotations')).values()];
    const found = markers.find((m) => m.symbol === 'found');
    expect(markers.map((m) => [m.symbol, m.label, m.kind, m.author]).sort()).toEqual(
      [
        ['clue', CLUE_LABEL, 'point', 'u-deqing'],
        ['found', FOUND_LABEL, 'point', 'u-deqing'],
      ].sort(),
    );
    expect(searches[0]!.found?.location).toEqual(found?.geometry);
    expect(searches[0]!.found?.unitId).toBe('yuyue-foot-02');

    const units = new Map<string, Unit>();
    for (const s of [YUYUE, ZHOUQUAN]) for (const [id, u] of await read<Unit>(built, s, 'units')) units.set(id, u);
    expect(DISPATCHED_UNITS.map((id) => [id, units.get(id)?.status, units.get(id)?.assignedTaskId])).toEqual(
      DISPATCHED_UNITS.map((id) => [id, 'available', null]),
    );
  });

  it('writes each step as the demo user who would do it, seen in the update log', async () => {
    const built = await app();
    expect(await player(built, tricountyStory, new StepClock(built)).play()).toBe('finished');
    const authors: Record<string, string[]> = {};
    for (const scope of ['command', LINPING, YUYUE, ZHOUQUAN]) {
      const log = await built.ctx.storage.readUpdateLog(docName(OP, scope));
      authors[scope] = [
        ...new Set(log.filter((u) => u.sessionId === STORY_SESSION_ID).map((u) => u.userId ?? '?')),
      ].sort();
    }
    expect(authors).toEqual({
      command: ['u-commander'],
      [LINPING]: ['u-commander', 'u-linping'],
      [YUYUE]: ['u-commander', 'u-deqing'],
      [ZHOUQUAN]: ['u-commander', 'u-tongxiang'],
    });
    // The task raise is 临平's own write: its first story update creates the task.
    const linping = await built.ctx.storage.readUpdateLog(docName(OP, LINPING));
    const first = linping.find((u) => u.sessionId === STORY_SESSION_ID)!;
    const doc = new Y.Doc();
    Y.applyUpdate(doc, first.update);
    expect(first.userId).toBe('u-linping');
    expect([...readMap<Task>(doc, 'tasks').values()].map((t) => t.title)).toEqual([TASK_TITLE]);
  });

  it('plays once per data directory, and resumes after a restart at the next step', async () => {
    const built = await app();
    let first: StoryPlayer | null = null;
    // Stop the first play while it waits for its fourth step (as a restart would).
    const clock = new StepClock(built, (n) => (n === 4 ? void first!.stop() : undefined));
    const runs: Array<[string, number]> = [];
    first = player(built, observed(runs, clock), clock);
    expect(await first.play()).toBe('stopped');
    expect(runs.map(([id]) => id)).toEqual(['raise', 'yuyue-acknowledges', 'yuyue-accepts']);
    const taskIds = [...(await read<Task>(built, LINPING, 'tasks')).keys()];

    const resumed: Array<[string, number]> = [];
    const clock2 = new StepClock(built);
    expect(await player(built, observed(resumed, clock2), clock2).play()).toBe('finished');
    // The remaining steps, each after the same gap as before; the task keeps its id.
    expect(resumed).toEqual(TIMELINE.slice(3).map(([id, at]) => [id, at - TIMELINE[2]![1]]));
    expect([...(await read<Task>(built, LINPING, 'tasks')).keys()]).toEqual(taskIds);

    const logLength = (await built.ctx.storage.readUpdateLog(docName(OP, LINPING))).length;
    const again: Array<[string, number]> = [];
    const clock3 = new StepClock(built);
    expect(await player(built, observed(again, clock3), clock3).play()).toBe('already-played');
    expect(again).toEqual([]);
    expect((await built.ctx.storage.readUpdateLog(docName(OP, LINPING))).length).toBe(logLength);
  });
});
