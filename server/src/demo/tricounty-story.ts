import { booleanPointInPolygon, destination } from '@turf/turf';
import {
  DEFAULT_TARGET_RADIUS_M,
  answerTask,
  defaultTargetStations,
  dispatchChanges,
  releaseUnit,
  responseKey,
  type Annotation,
  type Change,
  type Search,
  type Task,
  type TaskResponse,
  type Unit,
  newTaskId,
} from '@jointmap/shared';
import type { Story, StoryContext, StoryStep } from './story-player.ts';
import { LAST_KNOWN, planSearch, point } from './tricounty-search.ts';

/**
 * SCENARIOS §1, the tri-county missing-person search, as a story of about four minutes: 临平运河
 * raises the task, 禹越 and 洲泉 answer, the commander sets up a search with sectors and sends units
 * of two stations at once, 禹越 marks a clue, 禹越步巡02 finds the man, the search and the task are
 * closed and the units released. Every step is written as the demo user who would do it.
 */
export const TRICOUNTY_STORY_KEY = 'demo_story_tricounty';

export const LINPING = 'linping-yunhe';
export const YUYUE = 'deqing-yuyue';
export const ZHOUQUAN = 'tongxiang-zhouquan';
const USER = { linping: 'u-linping', deqing: 'u-deqing', tongxiang: 'u-tongxiang', commander: 'u-commander' } as const;

/** Units sent in the one-click dispatch; the foot patrol is the one that finds him. */
export const DISPATCHED_UNITS = ['yuyue-foot-02', 'yuyue-car-01', 'drone-01', 'zhouquan-car-01'] as const;
export const FINDER_UNIT = 'yuyue-foot-02';

export const TASK_TITLE = '走失老人：近80岁男子，骑蓝色三轮车';
const TASK_DESCRIPTION = [
  '临平区东湖街道某小区一名近80岁男子早上出门后未归，16:00家属向临平警方报警。',
  '家属认为他可能骑三轮车（蓝色）进入德清禹越镇，去向不明；亲属也已到禹越派出所求助。',
  '请禹越、洲泉按三地协作机制就近联处、信息共享，协助搜寻。',
].join('\n');
export const CLUE_LABEL = '目击：蓝色三轮车往禹越方向';
export const FOUND_LABEL = '已找到：老人安全';
const MARKER_COLOR = { clue: '#0284c7', found: '#be123c' } as const;

/** The task record as it stands in 临平's document (null when someone removed it). */
async function currentTask(ctx: StoryContext): Promise<Task | null> {
  return (await ctx.read<Task>(LINPING, 'tasks')).get(ctx.state.ids.taskId!) ?? null;
}

/** Answer the task in `stationId`'s own document, keeping the previous unit list and note. */
async function answer(
  ctx: StoryContext,
  stationId: string,
  userId: string,
  status: TaskResponse['status'],
  patch: { unitIds?: string[]; note?: string } = {},
): Promise<void> {
  const task = { id: ctx.state.ids.taskId!, stationId: LINPING };
  const previous = (await ctx.read<TaskResponse>(stationId, 'responses')).get(responseKey(LINPING, task.id));
  const roster = await ctx.read<Unit>(stationId, 'units');
  const unitIds = patch.unitIds?.filter((id) => roster.has(id));
  const { key, value } = answerTask(task, stationId, status, userId, ctx.now(), previous, { ...patch, unitIds });
  await ctx.write(stationId, userId, { type: 'put', map: 'responses', key, value });
}

/** Where the finder is when he finds the man (inside 禹越), or a village entrance in 禹越. */
async function foundLocation(ctx: StoryContext): Promise<[number, number]> {
  const yuyue = (await ctx.jurisdictions()).find((j) => j.stationId === YUYUE);
  const at = await ctx.latestPosition(YUYUE, FINDER_UNIT);
  if (at && (!yuyue || booleanPointInPolygon(at, yuyue.area))) return at;
  return destination(LAST_KNOWN, 1.4, -60, { units: 'kilometers' }).geometry.coordinates as [number, number];
}

function marker(
  id: string,
  symbol: 'clue' | 'found',
  at: [number, number],
  label: string,
  author: string,
  now: number,
): Annotation {
  return {
    id,
    kind: 'point',
    geometry: point(at),
    label,
    color: MARKER_COLOR[symbol],
    symbol,
    author,
    createdAt: now,
    updatedAt: now,
  };
}

/** Write `unit` records changed by `make` into their stations' documents as the commander. */
async function updateUnits(
  ctx: StoryContext,
  stations: readonly string[],
  make: (u: Unit) => Unit | null,
  userId: string = USER.commander,
) {
  for (const stationId of stations) {
    const changes: Change[] = [];
    for (const u of (await ctx.read<Unit>(stationId, 'units')).values()) {
      const next = make(u);
      if (next) changes.push({ type: 'put', map: 'units', key: u.id, value: next });
    }
    if (changes.length) await ctx.write(stationId, userId, { type: 'batch', changes });
  }
}

const steps: StoryStep[] = [
  {
    id: 'raise',
    at: 10_000,
    log: '临平运河发起协查：走失老人 / Linping raises the missing-person task',
    async run(ctx) {
      const now = ctx.now();
      const location = point(LAST_KNOWN);
      const targets = defaultTargetStations(await ctx.jurisdictions(), location, DEFAULT_TARGET_RADIUS_M, LINPING);
      for (const s of [YUYUE, ZHOUQUAN]) if (!targets.includes(s)) targets.push(s);
      const task: Task = {
        id: ctx.state.ids.taskId!,
        stationId: LINPING,
        title: TASK_TITLE,
        description: TASK_DESCRIPTION,
        location,
        area: null,
        priority: 'high',
        targetStations: targets,
        state: 'open',
        nonPolice: false,
        createdBy: USER.linping,
        createdAt: now,
        updatedAt: now,
      };
      await ctx.write(LINPING, USER.linping, { type: 'put', map: 'tasks', key: task.id, value: task });
    },
  },
  {
    id: 'yuyue-acknowledges',
    at: 20_000,
    log: '禹越签收 / Yuyue acknowledges',
    run: (ctx) => answer(ctx, YUYUE, USER.deqing, 'acknowledged'),
  },
  {
    id: 'yuyue-accepts',
    at: 23_000,
    log: '禹越接受，组织警力和群众搜寻 / Yuyue accepts',
    run: (ctx) => answer(ctx, YUYUE, USER.deqing, 'accepted', { note: '禹越立即组织警力并发动群众沿路搜寻' }),
  },
  {
    id: 'zhouquan-acknowledges',
    at: 25_000,
    log: '洲泉签收 / Zhouquan acknowledges',
    run: (ctx) => answer(ctx, ZHOUQUAN, USER.tongxiang, 'acknowledged'),
  },
  {
    id: 'search',
    at: 30_000,
    log: '指挥长划定搜索区并分区 / commander creates the search and its sectors',
    async run(ctx) {
      const near = async (u: Unit) =>
        (u.stationId === YUYUE && u.id === FINDER_UNIT ? await ctx.latestPosition(u.stationId, u.id) : null) ??
        LAST_KNOWN;
      const units = [];
      for (const stationId of [YUYUE, ZHOUQUAN]) {
        for (const u of (await ctx.read<Unit>(stationId, 'units')).values()) {
          if ((DISPATCHED_UNITS as readonly string[]).includes(u.id)) units.push({ ...u, near: await near(u) });
        }
      }
      const { search, sectors } = planSearch(
        { taskId: ctx.state.ids.taskId!, searchId: ctx.state.ids.searchId!, taskStationId: LINPING },
        await ctx.jurisdictions(),
        units,
        USER.commander,
        ctx.now(),
      );
      await ctx.write('command', USER.commander, {
        type: 'batch',
        changes: [
          { type: 'put', map: 'searches', key: search.id, value: search },
          ...sectors.map((s): Change => ({ type: 'put', map: 'sectors', key: s.id, value: s })),
        ],
      });
    },
  },
  {
    id: 'dispatch',
    at: 32_000,
    log: '一键派单：禹越、洲泉警力出动 / one-click dispatch of Yuyue and Zhouquan units',
    async run(ctx) {
      const units: Unit[] = [];
      for (const stationId of [YUYUE, ZHOUQUAN]) {
        for (const u of (await ctx.read<Unit>(stationId, 'units')).values()) {
          if ((DISPATCHED_UNITS as readonly string[]).includes(u.id)) units.push(u);
        }
      }
      for (const [stationId, change] of dispatchChanges(units, ctx.state.ids.taskId!, ctx.now())) {
        await ctx.write(stationId, USER.commander, change);
      }
    },
  },
  {
    id: 'zhouquan-accepts',
    at: 40_000,
    log: '洲泉接受，洲泉巡01前往分区 / Zhouquan accepts',
    run: (ctx) =>
      answer(ctx, ZHOUQUAN, USER.tongxiang, 'accepted', {
        unitIds: ['zhouquan-car-01'],
        note: '洲泉巡01前往指定分区搜寻',
      }),
  },
  {
    id: 'clue',
    at: 120_000,
    log: '禹越标记线索：三轮车往禹越方向 / Yuyue marks a clue',
    async run(ctx) {
      const at = destination(LAST_KNOWN, 0.7, -80, { units: 'kilometers' }).geometry.coordinates as [number, number];
      const a = marker(`${ctx.state.ids.taskId}-clue`, 'clue', at, CLUE_LABEL, USER.deqing, ctx.now());
      await ctx.write(YUYUE, USER.deqing, { type: 'put', map: 'annotations', key: a.id, value: a });
    },
  },
  {
    id: 'found',
    at: 230_000,
    log: '禹越步巡02在村口找到老人 / Yuyue foot patrol 02 finds him',
    async run(ctx) {
      const now = ctx.now();
      const at = (ctx.state.facts.found as [number, number] | undefined) ?? (await foundLocation(ctx));
      ctx.state.facts.found = at;
      ctx.state.facts.foundAt ??= now;
      const a = marker(`${ctx.state.ids.taskId}-found`, 'found', at, FOUND_LABEL, USER.deqing, now);
      const finder = (await ctx.read<Unit>(YUYUE, 'units')).get(FINDER_UNIT);
      const task = { id: ctx.state.ids.taskId!, stationId: LINPING };
      const previous = (await ctx.read<TaskResponse>(YUYUE, 'responses')).get(responseKey(LINPING, task.id));
      const response = answerTask(task, YUYUE, 'on_scene', USER.deqing, now, previous, {
        unitIds: finder ? [FINDER_UNIT] : [],
        note: '禹越步巡02在村口发现骑蓝色三轮车的老人',
      });
      const changes: Change[] = [
        { type: 'put', map: 'annotations', key: a.id, value: a },
        { type: 'put', map: 'responses', key: response.key, value: response.value },
      ];
      if (finder) {
        const onScene: Unit = { ...finder, status: 'on_scene', updatedAt: now };
        changes.push({ type: 'put', map: 'units', key: finder.id, value: onScene });
      }
      await ctx.write(YUYUE, USER.deqing, { type: 'batch', changes });
    },
  },
  {
    id: 'yuyue-resolves',
    at: 240_000,
    log: '禹越处置完毕：老人安全 / Yuyue resolves: he is safe',
    async run(ctx) {
      // As 德清's answer form does: 办结 releases its own units on the task. The task ends with it,
      // and the server then releases 洲泉's unit in 桐乡's document.
      const { taskId } = ctx.state.ids as { taskId: string };
      const now = ctx.now();
      await updateUnits(ctx, [YUYUE], (u) => (u.assignedTaskId === taskId ? releaseUnit(u, now) : null), USER.deqing);
      await answer(ctx, YUYUE, USER.deqing, 'resolved', { note: '老人身体无恙，已联系家属由临平接回' });
    },
  },
  {
    id: 'close',
    at: 250_000,
    log: '指挥长结束搜寻、关闭任务，警力归队 / commander closes the search and the task, units released',
    async run(ctx) {
      const now = ctx.now();
      const { taskId, searchId } = ctx.state.ids as { taskId: string; searchId: string };
      const search = (await ctx.read<Search>('command', 'searches')).get(searchId);
      if (search) {
        const found: Search = {
          ...search,
          status: 'found',
          found: {
            location: point(ctx.state.facts.found as [number, number]),
            at: (ctx.state.facts.foundAt as number | undefined) ?? now,
            unitId: FINDER_UNIT,
            stationId: YUYUE,
            note: '村口找到，骑蓝色三轮车，人员安全',
          },
          updatedAt: now,
        };
        await ctx.write('command', USER.commander, { type: 'put', map: 'searches', key: searchId, value: found });
      }
      const task = await currentTask(ctx);
      if (task) {
        const closed: Task = { ...task, state: 'closed', updatedAt: now };
        await ctx.write(LINPING, USER.commander, { type: 'put', map: 'tasks', key: taskId, value: closed });
      }
      await updateUnits(ctx, [YUYUE, LINPING, ZHOUQUAN], (u) =>
        u.assignedTaskId === taskId ? releaseUnit(u, now) : null,
      );
    },
  },
];

/** The tri-county story (SCENARIOS §1). */
export const tricountyStory: Story = {
  key: TRICOUNTY_STORY_KEY,
  newIds: () => {
    const taskId = newTaskId();
    return { taskId, searchId: `s-${taskId.slice(2)}` };
  },
  steps,
};
