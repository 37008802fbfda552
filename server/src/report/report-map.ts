import type { MultiPolygon, Polygon } from 'geojson';
import { bbox as turfBbox, simplify } from '@turf/turf';
import { simplifyTrack } from './simplify-track.ts';
import { thinLine } from '../interop/thin-line.ts';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  AppError,
  COMMAND_SCOPE,
  docName,
  readMap,
  type Annotation,
  type Principal,
  type ReportMapData,
  type Search,
  type Sector,
  type Task,
} from '@jointmap/shared';
import type { AppContext } from '../services/context.ts';
import { getVisibleOperation } from '../services/operations.ts';
import { storedFinalDoc } from '../replay/stored-moment.ts';
import { currentSectors } from '../search/search-sectors.ts';
import { trackFixes } from '../storage/track-pages.ts';
import type { UnitStory } from './report-replay.ts';
import { rosterSpans } from './roster-spans.ts';

type Position = [number, number];

/** Vertices per tracker's track and per boundary at most: enough for a printed page. */
const MAX_TRACK_POINTS = 2_000;
const PAGE = 5_000;

/**
 * What the report's map shows: the stations' jurisdictions, sectors with their final status, task
 * locations, annotations and the tracks within the operation's window, simplified to what a
 * printed page resolves (a thousandth of the map's width). Same access as the report. The tracks
 * are those of every unit the report's table lists, i.e. every unit its roster ever held (one
 * removed before the end too), so the map takes its units from the report's walk of the logs
 * (`OperationReplays`: one walk for both); a unit's trackers each get their own line, drawn from
 * the fixes of the spans the unit was on its roster (`rosterSpans`), as the report counts them.
 */
export async function buildReportMap(ctx: AppContext, user: Principal, operationId: string): Promise<ReportMapData> {
  const op = await getVisibleOperation(ctx, user, operationId);
  if (op.purgedAt != null) throw new AppError('OPERATION_PURGED', `operation ${op.id} was purged; restore its archive`);
  const from = op.createdAt;
  const to = op.closedAt ?? Date.now();
  const stations = (await ctx.storage.listStations()).filter((s) => op.stations.includes(s.id));
  const colorOf = new Map(stations.map((s) => [s.id, s.color]));

  const command = await storedFinalDoc(ctx.storage, docName(op.id, COMMAND_SCOPE));
  const sectors = currentSectors(
    readMap<Sector>(command, 'sectors').values(),
    readMap<Search>(command, 'searches').values(),
  ).map((s) => ({
    id: s.id,
    name: s.name,
    status: s.status,
    polygon: s.polygon,
  }));
  const annotations: ReportMapData['annotations'] = [];
  const tasks: ReportMapData['tasks'] = [];
  const collect = (doc: typeof command) => {
    for (const a of readMap<Annotation>(doc, 'annotations').values())
      annotations.push({ id: a.id, kind: a.kind, label: a.label, color: a.color, geometry: a.geometry });
    for (const t of readMap<Task>(doc, 'tasks').values())
      if (t.location)
        tasks.push({
          id: t.id,
          stationId: t.stationId,
          title: t.title,
          state: t.state,
          point: t.location.coordinates as Position,
        });
  };
  collect(command);
  command.destroy();
  for (const stationId of op.stations) {
    const doc = await storedFinalDoc(ctx.storage, docName(op.id, stationId));
    collect(doc);
    doc.destroy();
  }

  // The units of the report's table (the same walk, shared with it), each with its last callsign;
  // sorted as there below.
  const { units } = await ctx.replays.get(op);

  // Each track is cut to MAX_TRACK_POINTS as soon as it is read (`thinLine`, the first step of
  // `simplifyTrack`, needs no frame and leaves such a track as it is), its extent kept from every
  // fix: one unit's raw track is held at a time, never every unit's (60 units' day of 1-Hz fixes
  // is 5 million positions).
  const read: Array<{ unit: UnitStory; deviceId: string; coordinates: Position[]; extent: [Position, Position] }> = [];
  for (const unit of [...units.values()].sort((a, b) =>
    `${a.stationId}/${a.unitId}`.localeCompare(`${b.stationId}/${b.unitId}`),
  )) {
    const byDevice = new Map<string, Position[]>();
    // Only while the unit was on its roster, as the report counts its distance.
    for (const span of rosterSpans(unit.changes, from, to + 1))
      for await (const f of trackFixes(ctx.storage, unit.stationId, unit.unitId, span.from, span.to, PAGE)) {
        const points = byDevice.get(f.deviceId) ?? byDevice.set(f.deviceId, []).get(f.deviceId)!;
        points.push([f.lng, f.lat]);
      }
    for (const [deviceId, coordinates] of [...byDevice].sort(([a], [b]) => a.localeCompare(b)))
      read.push({
        unit,
        deviceId,
        coordinates: thinLine(coordinates, MAX_TRACK_POINTS) as Position[],
        extent: extentOf(coordinates),
      });
    // A unit's fixes fit in one page, read without a turn of the event loop: take one per unit.
    await yieldToEventLoop();
  }

  // The frame: what happened (tracks, tasks, sectors, annotations); the jurisdictions only if nothing did.
  const happened = {
    type: 'FeatureCollection' as const,
    features: [
      ...read.map((t) => line(t.extent)),
      ...tasks.map((t) => ({
        type: 'Feature' as const,
        properties: {},
        geometry: { type: 'Point', coordinates: t.point },
      })),
      ...sectors.map((s) => ({ type: 'Feature' as const, properties: {}, geometry: s.polygon })),
      ...annotations.map((a) => ({ type: 'Feature' as const, properties: {}, geometry: a.geometry })),
    ],
  };
  const boundaries = stations.flatMap((s) => (s.jurisdiction ? [{ station: s, geometry: s.jurisdiction }] : []));
  const frame = happened.features.length
    ? happened
    : { type: 'FeatureCollection' as const, features: boundaries.map((b) => feature(b.geometry)) };
  const box = frame.features.length ? (turfBbox(frame as never) as [number, number, number, number]) : null;
  // A thousandth of the frame's larger side, in degrees: finer than a printed page shows.
  const tolerance = box ? Math.max(box[2] - box[0], box[3] - box[1], 1e-4) / 1_000 : 1e-5;

  const tracks: ReportMapData['tracks'] = [];
  for (const { unit, deviceId, coordinates } of read) {
    tracks.push({
      stationId: unit.stationId,
      unitId: unit.unitId,
      deviceId,
      callsign: unit.callsign,
      color: colorOf.get(unit.stationId) ?? '#1f2937',
      coordinates: simplifyTrack(coordinates, tolerance, MAX_TRACK_POINTS) as Position[],
    });
    // Simplifying hundreds of day-long tracks at once would hold the event loop: a turn after each.
    await yieldToEventLoop();
  }

  return {
    bbox: box,
    jurisdictions: boundaries.map(({ station, geometry }) => ({
      stationId: station.id,
      shortName: station.shortName,
      color: station.color,
      geometry: simplify(geometry, { tolerance, highQuality: false }),
    })),
    sectors,
    tasks,
    annotations,
    tracks,
  };
}

const line = (coordinates: Position[]) => ({
  type: 'Feature' as const,
  properties: {},
  geometry:
    coordinates.length > 1
      ? { type: 'LineString' as const, coordinates }
      : { type: 'Point' as const, coordinates: coordinates[0]! },
});

const feature = (geometry: Polygon | MultiPolygon) => ({ type: 'Feature' as const, properties: {}, geometry });

/** The south-west and north-east corners of a track (its bounding box as a line). */
function extentOf(coordinates: Position[]): [Position, Position] {
  const [w, s, e, n] = turfBbox({ type: 'LineString', coordinates }) as [number, number, number, number];
  return [
    [w, s],
    [e, n],
  ];
}
