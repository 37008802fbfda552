/**
 * A recorded operation for replay tests and the replay bench: the update logs of its documents
 * (one Y.Doc per scope, one update per change, stamped over the operation's hours) and its units'
 * tracks, written straight into storage with `restoreOperation` so the times are the recorded ones.
 */
import * as Y from 'yjs';
import {
  COMMAND_SCOPE,
  docName,
  type Annotation,
  type Search,
  type Sector,
  type Task,
  type TaskResponse,
  type Unit,
} from '@jointmap/shared';
import type { LoggedUpdate, Operation, PositionFix, Storage } from '@jointmap/server/storage/types';
import { seededRandom } from '../helpers/random.ts';

export interface HistoryOptions {
  operationId: string;
  stations: readonly string[];
  start: number;
  hours: number;
  /** Total updates over all documents. */
  updates: number;
  unitsPerStation: number;
  /** One fix per unit this often (ms); 0: no tracks. */
  fixEveryMs: number;
  seed?: number;
}

export interface History {
  op: Operation;
  end: number;
  logs: Map<string, LoggedUpdate[]>;
  fixes: PositionFix[];
  /** The first task: raised a tenth of the way in, accepted by the second station at a quarter, closed at three quarters. */
  story: { task: Task; raisedAt: number; acceptedAt: number; closedAt: number; answeringStation: string };
}

const SHORT: Record<string, string> = { 'deqing-yuyue': '禹越', 'linping-yunhe': '运河', 'tongxiang-zhouquan': '洲泉' };
const unitId = (station: string, i: number) => `${station.split('-')[1] ?? station}-u${String(i).padStart(3, '0')}`;

/** Where a unit is at `time`: a slow loop around its station's patch (deterministic). */
export function unitAt(stationIndex: number, i: number, time: number, start: number): [number, number] {
  const phase = ((time - start) / 3_600_000) * Math.PI * 2 * (0.5 + (i % 5) * 0.1) + i;
  const cx = 120.2 + stationIndex * 0.08 + (i % 10) * 0.004;
  const cy = 30.5 + Math.floor(i / 10) * 0.004;
  return [cx + 0.006 * Math.cos(phase), cy + 0.006 * Math.sin(phase)];
}

export function buildHistory(o: HistoryOptions): History {
  const rnd = seededRandom(o.seed ?? 42);
  const end = o.start + o.hours * 3_600_000;
  const scopes = [COMMAND_SCOPE, ...o.stations];
  const docs = new Map(scopes.map((s) => [s, new Y.Doc()]));
  const logs = new Map(scopes.map((s) => [s, [] as LoggedUpdate[]]));
  let now = o.start;
  let user: string | null = null;
  for (const [scope, doc] of docs)
    doc.on('update', (update: Uint8Array) => {
      const log = logs.get(scope)!;
      log.push({ seq: log.length + 1, update, sessionId: user ? `s-${user}` : null, userId: user, time: now });
    });
  const put = (scope: string, map: string, key: string, value: unknown, by: string | null) => {
    user = by;
    docs.get(scope)!.transact(() => docs.get(scope)!.getMap(map).set(key, value));
  };

  // The rosters at the start.
  const units = new Map<string, Unit>();
  o.stations.forEach((station) => {
    for (let i = 0; i < o.unitsPerStation; i++) {
      const u: Unit = {
        id: unitId(station, i),
        callsign: `${SHORT[station] ?? station.slice(0, 2)}巡${String(i + 1).padStart(2, '0')}`,
        kind: i % 7 === 3 ? 'foot' : 'car',
        stationId: station,
        members: ['民警', '辅警'],
        status: 'available',
        assignedTaskId: null,
        deviceIds: [],
        updatedAt: now,
      };
      units.set(`${station}/${u.id}`, u);
      put(station, 'units', u.id, u, null);
    }
  });

  const [raising, answering] = [o.stations[0]!, o.stations[1] ?? o.stations[0]!];
  const task: Task = {
    id: 't-replay-story',
    stationId: raising,
    title: '走失老人协查',
    description: '近80岁男子，骑蓝色三轮车',
    location: { type: 'Point', coordinates: [120.2954, 30.5222] },
    area: null,
    priority: 'urgent',
    targetStations: o.stations.filter((s) => s !== raising),
    state: 'open',
    nonPolice: false,
    createdBy: `u-${raising}`,
    createdAt: 0,
    updatedAt: 0,
  };
  const story = { task, raisedAt: 0, acceptedAt: 0, closedAt: 0, answeringStation: answering };
  // A search for it with one sector over the first station's first units, swept by that station.
  const square: Sector['polygon'] = {
    type: 'Polygon',
    coordinates: [
      [
        [120.19, 30.49],
        [120.215, 30.49],
        [120.215, 30.51],
        [120.19, 30.51],
        [120.19, 30.49],
      ],
    ],
  };
  const search = (status: Search['status']): Search => ({
    id: 's-replay-story',
    taskId: task.id,
    taskStationId: raising,
    name: '禹越片区搜寻',
    area: square,
    lastKnown: null,
    lastSeenAt: null,
    travelMode: null,
    status,
    found: null,
    createdBy: 'u-commander',
    createdAt: story.raisedAt,
    updatedAt: now,
  });
  const sector = (): Sector => ({
    id: 's-replay-story-A1',
    name: 'A1',
    taskId: task.id,
    searchId: 's-replay-story',
    polygon: square,
    assignedStationId: o.stations[0]!,
    assignedUnitIds: [],
    status: 'assigned',
    sweepWidthM: 50,
    assignedAt: story.raisedAt,
    updatedAt: now,
  });
  const span = end - o.start;
  const milestones = [
    {
      at: o.start + span * 0.1,
      run: () => {
        story.raisedAt = now;
        put(raising, 'tasks', task.id, { ...task, createdAt: now, updatedAt: now }, `u-${raising}`);
        put(COMMAND_SCOPE, 'searches', 's-replay-story', search('active'), 'u-commander');
        put(COMMAND_SCOPE, 'sectors', 's-replay-story-A1', sector(), 'u-commander');
      },
      mark: 'raisedAt',
    },
    {
      at: o.start + span * 0.25,
      run: () => {
        const r: TaskResponse = {
          taskId: task.id,
          taskStationId: raising,
          stationId: answering,
          status: 'accepted',
          unitIds: [unitId(answering, 0)],
          note: '',
          updatedBy: `u-${answering}`,
          updatedAt: now,
        };
        put(answering, 'responses', `${raising}:${task.id}`, r, `u-${answering}`);
      },
      mark: 'acceptedAt',
    },
    {
      at: o.start + span * 0.75,
      run: () => {
        put(
          raising,
          'tasks',
          task.id,
          { ...task, createdAt: story.raisedAt, state: 'closed', updatedAt: now },
          `u-${raising}`,
        );
        put(COMMAND_SCOPE, 'searches', 's-replay-story', search('closed'), 'u-commander');
      },
      mark: 'closedAt',
    },
  ] as const;
  let next = 0;

  const remaining = o.updates - [...logs.values()].reduce((n, l) => n + l.length, 0) - 6; // the milestones write 6 updates
  const step = span / Math.max(1, remaining);
  const keys = [...units.keys()];
  for (let i = 0; i < remaining; i++) {
    now = Math.round(o.start + step * (i + 1));
    while (next < milestones.length && milestones[next]!.at <= now) {
      milestones[next]!.run();
      story[milestones[next]!.mark] = now;
      next++;
    }
    const r = rnd.next();
    if (r < 0.6) {
      // A unit changes status (the story's answering unit stays on its task).
      const key = rnd.pick(keys);
      const u = units.get(key)!;
      if (u.id === unitId(answering, 0) && u.stationId === answering) {
        put(
          answering,
          'units',
          u.id,
          { ...u, status: 'on_scene', assignedTaskId: task.id, updatedAt: now },
          `u-${answering}`,
        );
        continue;
      }
      const next_: Unit = { ...u, status: rnd.pick(['available', 'en_route', 'on_scene', 'busy']), updatedAt: now };
      units.set(key, next_);
      put(u.stationId, 'units', u.id, next_, `u-${u.stationId}`);
    } else {
      const scope = rnd.pick(scopes);
      const id = `a${rnd.int(150)}`;
      const a: Annotation = {
        id,
        kind: 'point',
        geometry: { type: 'Point', coordinates: [120.2 + rnd.next() * 0.3, 30.45 + rnd.next() * 0.15] },
        label: `标注${i}`,
        color: '#2563eb',
        author: `u-${scope}`,
        createdAt: now,
        updatedAt: now,
      } as Annotation;
      put(scope, 'annotations', id, a, `u-${scope}`);
    }
  }
  while (next < milestones.length) {
    milestones[next]!.run();
    story[milestones[next]!.mark] = now;
    next++;
  }

  const fixes: PositionFix[] = [];
  if (o.fixEveryMs > 0)
    o.stations.forEach((station, si) => {
      for (let i = 0; i < o.unitsPerStation; i++)
        for (let t = o.start; t <= end; t += o.fixEveryMs) {
          const [lng, lat] = unitAt(si, i, t, o.start);
          fixes.push({
            unitId: unitId(station, i),
            stationId: station,
            deviceId: `dev-${unitId(station, i)}`,
            time: t,
            lng,
            lat,
            speed: 8,
            bearing: null,
            altitude: null,
            accuracy: 5,
            battery: 90,
            alarm: null,
            receivedAt: t,
          });
        }
    });
  for (const d of docs.values()) d.destroy();
  const op: Operation = {
    id: o.operationId,
    name: '三县联合搜寻（回放）',
    kind: 'search',
    status: 'closed',
    stations: [...o.stations],
    createdBy: 'u-commander',
    createdAt: o.start,
    closedAt: end,
    purgedAt: null,
    restoredAt: null,
  };
  task.createdAt = story.raisedAt;
  return { op, end, logs, fixes, story };
}

/** Write the history into storage: the operation with its logs, then the tracks. */
export async function storeHistory(storage: Storage, h: History, keptBy = 'u-commander'): Promise<void> {
  await storage.restoreOperation(
    h.op,
    [...h.logs].map(([scope, updates]) => ({ doc: docName(h.op.id, scope), updates })),
    { keptBy, keptAt: h.end },
  );
  for (let i = 0; i < h.fixes.length; i += 5_000) await storage.restoreFixes(h.fixes.slice(i, i + 5_000));
}
