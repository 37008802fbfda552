import { distance } from '@turf/turf';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  AppError,
  COMMAND_SCOPE,
  docName,
  readMap,
  type OperationReport,
  type Principal,
  type ResponseStatus,
  type Search,
  type Sector,
} from '@jointmap/shared';
import type { AppContext } from '../services/context.ts';
import { getVisibleOperation } from '../services/operations.ts';
import { storedFinalDoc } from '../replay/stored-moment.ts';
import { currentSectors } from '../search/search-sectors.ts';
import { trackFixes } from '../storage/track-pages.ts';
import type { PositionFix } from '../storage/types.ts';
import { alertPages } from './alert-pages.ts';
import { timePerStatus } from './report-replay.ts';
import { rosterSpans, type Span } from './roster-spans.ts';

/** A jump faster than this between two fixes is a GPS glitch, not travel (m/s; 250 km/h). */
const GLITCH_MPS = 70;
const PAGE = 5_000;

const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
};

/**
 * The after-action report of an operation (复盘): tasks with each station's answer times, response
 * times per station, units with distance travelled and time per status, alerts with their
 * acknowledgement delay, sectors at the end, and who changed what. Read from the update logs (one
 * replay pass), the track store and the alert store; anyone who sees the operation may read it.
 */
export async function buildReport(ctx: AppContext, user: Principal, operationId: string): Promise<OperationReport> {
  const op = await getVisibleOperation(ctx, user, operationId);
  if (op.purgedAt != null) throw new AppError('OPERATION_PURGED', `operation ${op.id} was purged; restore its archive`);
  const now = Date.now();
  const from = op.createdAt;
  const to = op.closedAt ?? now;
  // Each log read a page at a time as the walk reaches it: never a whole log in memory or in one
  // read. The walk is shared with the report's map, asked for at the same time (`OperationReplays`).
  const replayed = await ctx.replays.get(op);

  const tasks = [...replayed.tasks.values()]
    .sort((a, b) => a.raisedAt - b.raisedAt)
    .map((t) => ({
      ...t,
      answers: Object.entries(t.answers).map(([stationId, times]) => {
        const first = Math.min(...Object.values(times).filter((x): x is number => x !== undefined));
        return { stationId, times, firstAnswerMs: Number.isFinite(first) ? first - t.raisedAt : null };
      }),
    }));
  const answering = [...new Set(tasks.flatMap((t) => t.answers.map((a) => a.stationId)))].sort();
  const responseTimes = answering.map((stationId) => {
    const mine = tasks.flatMap((t) => t.answers.filter((a) => a.stationId === stationId).map((a) => ({ t, a })));
    const delays = (status: ResponseStatus) =>
      mine.flatMap(({ t, a }) => (a.times[status] !== undefined ? [a.times[status]! - t.raisedAt] : []));
    return {
      stationId,
      tasks: mine.length,
      medianFirstAnswerMs: median(mine.flatMap(({ a }) => (a.firstAnswerMs === null ? [] : [a.firstAnswerMs]))),
      medianAcceptMs: median(delays('accepted')),
      medianOnSceneMs: median(delays('on_scene')),
    };
  });

  const units: OperationReport['units'] = [];
  for (const story of [...replayed.units.values()].sort((a, b) =>
    `${a.stationId}/${a.unitId}`.localeCompare(`${b.stationId}/${b.unitId}`),
  )) {
    // Only while the unit was on its roster, as its time per status.
    const spans = rosterSpans(story.changes, from, to + 1);
    const { distanceM, fixes } = await travelled(ctx, story.stationId, story.unitId, spans);
    // A unit's fixes fit in one page, read without a turn of the event loop: take one per unit.
    await yieldToEventLoop();
    units.push({
      stationId: story.stationId,
      unitId: story.unitId,
      callsign: story.callsign,
      distanceM: Math.round(distanceM),
      fixes,
      timeByStatus: timePerStatus(story.changes, from, to),
    });
  }

  // Every alert, however many: the store lists them newest first, the report oldest first.
  const alerts: OperationReport['alerts'] = [];
  for await (const page of alertPages(ctx.storage, op.id))
    for (const a of page)
      alerts.push({
        id: a.id,
        kind: a.kind,
        stationId: a.stationId,
        unitId: a.unitId,
        ruleName: a.ruleName,
        time: a.time,
        state: a.state,
        acknowledgedBy: a.acknowledgedBy?.name ?? null,
        ackDelayMs: a.acknowledgedAt === null ? null : a.acknowledgedAt - a.raisedAt,
      });
  alerts.reverse();

  const command = await storedFinalDoc(ctx.storage, docName(op.id, COMMAND_SCOPE));
  const sectors = currentSectors(
    readMap<Sector>(command, 'sectors').values(),
    readMap<Search>(command, 'searches').values(),
  ).map((s) => ({
    id: s.id,
    name: s.name,
    status: s.status,
    assignedStationId: s.assignedStationId,
    assignedUnitIds: s.assignedUnitIds,
  }));
  command.destroy();

  const changes: OperationReport['changes'] = [];
  for (const [userId, a] of replayed.authors) {
    const account = userId ? await ctx.storage.getAccount(userId) : null;
    changes.push({ userId, name: account?.name ?? null, ...a });
  }
  changes.sort((a, b) => b.updates - a.updates);

  const stations = (await ctx.storage.listStations())
    .filter((s) => op.stations.includes(s.id))
    .map((s) => ({ id: s.id, name: s.name, shortName: s.shortName }));
  return {
    operation: { id: op.id, name: op.name, kind: op.kind, status: op.status, stations: op.stations, from, to },
    generatedAt: now,
    stations,
    tasks,
    responseTimes,
    units,
    alerts,
    sectors,
    changes,
  };
}

/**
 * Metres a unit travelled within `spans` (each `from <= time < to`): each of its trackers' track
 * measured on its own (GPS jumps left out), then put together by {@link acrossTrackers}, span by
 * span (no leg joins the last fix before a gap to the first after it). One line through all their
 * fixes in time order would add the gap between a car's tracker and a phone at each switch from
 * one to the other.
 */
async function travelled(ctx: AppContext, stationId: string, unitId: string, spans: readonly Span[]) {
  let distanceM = 0;
  let fixes = 0;
  for (const span of spans) {
    const perDevice = new Map<string, { first: number; last: PositionFix; distanceM: number }>();
    for await (const f of trackFixes(ctx.storage, stationId, unitId, span.from, span.to, PAGE)) {
      fixes++;
      const d = perDevice.get(f.deviceId);
      if (!d) {
        perDevice.set(f.deviceId, { first: f.time, last: f, distanceM: 0 });
        continue;
      }
      if (f.time > d.last.time) {
        const m = distance([d.last.lng, d.last.lat], [f.lng, f.lat], { units: 'meters' });
        if (m / ((f.time - d.last.time) / 1000) <= GLITCH_MPS) d.distanceM += m;
      }
      d.last = f;
    }
    distanceM += acrossTrackers([...perDevice.values()].map((d) => ({ ...d, lastTime: d.last.time })));
  }
  return { distanceM, fixes };
}

/**
 * A unit's distance from its trackers' own: those reporting at the same time travel together (a
 * car's tracker and the officer's phone), so the longest of them counts; those one after another
 * (the car's in the morning, the phone's in the afternoon) each cover their part, so they add up.
 *
 * @example acrossTrackers([{ first: 0, lastTime: 10, distanceM: 5 }, { first: 5, lastTime: 9, distanceM: 3 }, { first: 20, lastTime: 30, distanceM: 4 }]) // 9
 */
export function acrossTrackers(tracks: ReadonlyArray<{ first: number; lastTime: number; distanceM: number }>): number {
  let total = 0;
  let group: { end: number; longest: number } | null = null;
  for (const t of [...tracks].sort((a, b) => a.first - b.first)) {
    if (group && t.first <= group.end) {
      group.end = Math.max(group.end, t.lastTime);
      group.longest = Math.max(group.longest, t.distanceM);
      continue;
    }
    if (group) total += group.longest;
    group = { end: t.lastTime, longest: t.distanceM };
  }
  return total + (group?.longest ?? 0);
}
