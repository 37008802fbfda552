import {
  answerTask,
  COMMAND_SCOPE,
  COMMAND_STATION_ID,
  responseKey,
  type Change,
  type ResponseStatus,
  type Search,
  type Sector,
  type Task,
  type TaskResponse,
  type TaskStatus,
} from '@jointmap/shared';
import { openConsoles, type OperationConsole } from './op-console.ts';
import { startServer, type Teardown, type TestServer } from './server.ts';

export const DEQING = 'deqing-yuyue';
export const LINPING = 'linping-yunhe';
export const TONGXIANG = 'tongxiang-zhouquan';

export interface Tricounty {
  server: TestServer;
  linping: OperationConsole;
  deqing: OperationConsole;
  tongxiang: OperationConsole;
  commander: OperationConsole;
  wall: OperationConsole;
  /** The five consoles above, in that order. */
  all: OperationConsole[];
}

/** A real server with the demo seeded and the five consoles of the tri-county operation. */
export async function tricounty(t: Teardown): Promise<Tricounty> {
  const server = await startServer(t);
  const all = await openConsoles(t, server, ['linping', 'deqing', 'tongxiang', 'commander', 'wall']);
  const [linping, deqing, tongxiang, commander, wall] = all as [
    OperationConsole,
    OperationConsole,
    OperationConsole,
    OperationConsole,
    OperationConsole,
  ];
  return { server, linping, deqing, tongxiang, commander, wall, all };
}

/** SCENARIOS §1: 临平 asks 德清 (and 桐乡 as a neighbour) to look for the missing man. */
export function missingPersonTask(id: string, overrides: Partial<Task> = {}): Task {
  const now = Date.now();
  return {
    id,
    stationId: LINPING,
    title: '走失老人协查',
    description: '近80岁男子，骑蓝色三轮车，16:00报警，可能进入禹越镇',
    location: { type: 'Point', coordinates: [120.2954, 30.5222] },
    area: null,
    priority: 'urgent',
    targetStations: [DEQING, TONGXIANG],
    state: 'open',
    nonPolice: false,
    createdBy: 'u-linping',
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

export interface TaskView {
  task: Task | undefined;
  /** Each target station's answer as found in that station's document (null: none). */
  responses: Record<string, TaskResponse | null>;
  status: TaskStatus | undefined;
}

/** What one console shows of a task: its record, every target's answer, its derived status. */
export function taskView(task: Pick<Task, 'id' | 'stationId' | 'targetStations'>) {
  return (c: OperationConsole): TaskView => ({
    task: c.task(task.stationId, task.id),
    responses: Object.fromEntries(
      task.targetStations.map((s) => [
        s,
        c.doc(s).getMap<TaskResponse>('responses').get(responseKey(task.stationId, task.id)) ?? null,
      ]),
    ),
    status: c.status(task.stationId, task.id),
  });
}

/** A station console answers a task in its own document (`answerTask`, through `applyChange`). */
export function answer(
  c: OperationConsole,
  task: Pick<Task, 'id' | 'stationId'>,
  status: ResponseStatus,
  patch: { unitIds?: string[]; note?: string } = {},
): TaskResponse {
  const station = c.user.stationId!;
  const key = responseKey(task.stationId, task.id);
  const previous = c.doc(station).getMap<TaskResponse>('responses').get(key);
  const { value } = answerTask(task, station, status, c.user.id, Date.now(), previous, patch);
  c.write(station, { type: 'put', map: 'responses', key, value });
  return value;
}

/** A console raises a task in the document it belongs to (`command` tasks in the command document). */
export function raise(c: OperationConsole, task: Task): Task {
  const scope = task.stationId === COMMAND_STATION_ID ? COMMAND_SCOPE : task.stationId;
  c.write(scope, { type: 'put', map: 'tasks', key: task.id, value: task });
  return task;
}

/**
 * A commander's task with a search of one square sector assigned to a station (from now on), as
 * the commander's console writes them: one change to the command document.
 */
export function squareSectorSearch(options: {
  taskId: string;
  commanderId: string;
  sw: readonly [number, number];
  ne: readonly [number, number];
  stationId: string;
  sweepWidthM: number;
  now?: number;
}): { task: Task; search: Search; sector: Sector; change: Change } {
  const { taskId, commanderId, sw, ne, stationId, sweepWidthM } = options;
  const now = options.now ?? Date.now();
  const corner = (x: number, y: number): [number, number] => [x, y];
  const square: Sector['polygon'] = {
    type: 'Polygon',
    coordinates: [
      [corner(sw[0], sw[1]), corner(ne[0], sw[1]), corner(ne[0], ne[1]), corner(sw[0], ne[1]), corner(sw[0], sw[1])],
    ],
  };
  const task: Task = {
    ...missingPersonTask(taskId),
    stationId: COMMAND_STATION_ID,
    location: { type: 'Point', coordinates: [sw[0] + 0.002, sw[1] + 0.002] },
    targetStations: [stationId],
    createdBy: commanderId,
  };
  const search: Search = {
    id: `s-${taskId}`,
    taskId,
    taskStationId: COMMAND_STATION_ID,
    name: task.title,
    area: square,
    lastKnown: null,
    lastSeenAt: null,
    travelMode: null,
    status: 'active',
    found: null,
    createdBy: commanderId,
    createdAt: now,
    updatedAt: now,
  };
  const sector: Sector = {
    id: `${search.id}-A1`,
    name: 'A1',
    taskId,
    searchId: search.id,
    polygon: square,
    assignedStationId: stationId,
    assignedUnitIds: [],
    status: 'assigned',
    sweepWidthM,
    assignedAt: now,
    updatedAt: now,
  };
  const change: Change = {
    type: 'batch',
    changes: [
      { type: 'put', map: 'tasks', key: task.id, value: task },
      { type: 'put', map: 'searches', key: search.id, value: search },
      { type: 'put', map: 'sectors', key: sector.id, value: sector },
    ],
  };
  return { task, search, sector, change };
}
