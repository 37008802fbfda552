import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError, CST_OFFSET_MS, Id, UnitKind, UnitStatus } from '@jointmap/shared';
import type { LiveService } from '../live/live-service.ts';
import { putUnit, type CreateUnitInput } from '../live/roster.ts';
import { parseTimeParam, sharedWindows, trackStation, trackToGeoJson } from '../live/track.ts';
import { requireUser } from '../plugins/auth.ts';
import { readTrackColumns } from '../interop/track-columns.ts';
import { sendTrackFile } from '../interop/track-file.ts';
import type { ExportFormat } from '../interop/export-types.ts';
import type { AppContext } from '../services/context.ts';
import type { PositionFix } from '../storage/types.ts';

/** Longest track window one request may ask for. */
const MAX_TRACK_WINDOW_MS = 7 * 24 * 3600_000;
/** Default window: the trail length the console draws. */
const DEFAULT_TRACK_WINDOW_MS = 15 * 60_000;
/** Fixes one map request gets (the console loads the rest of a window on demand); files have all. */
const MAX_TRACK_POINTS = 50_000;

/**
 * A moment as a file name's stamp in China Standard Time, e.g. `20261202-2013_UTC8` for
 * 2026-12-02 20:13 in Beijing (12:13 UTC). The zone is spelled without `+`, which export file names
 * do not keep.
 */
function cstFileStamp(time: number): string {
  const d = new Date(time + CST_OFFSET_MS).toISOString();
  return `${d.slice(0, 4)}${d.slice(5, 7)}${d.slice(8, 10)}-${d.slice(11, 13)}${d.slice(14, 16)}_UTC8`;
}

const UnitBody = Type.Object(
  {
    id: Type.Optional(Id),
    callsign: Type.String({ minLength: 1, maxLength: 40 }),
    kind: Type.Union(Object.keys(UnitKind).map((k) => Type.Literal(k))),
    stationId: Id,
    members: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 20 })),
    status: Type.Optional(Type.Union(Object.keys(UnitStatus).map((k) => Type.Literal(k)))),
  },
  { additionalProperties: false },
);

/**
 * `GET /api/units/:id/track?stationId=&from=&to=&format=` (epoch s or ms, or ISO 8601; default the last 15
 * minutes) as GeoJSON (its first MAX_TRACK_POINTS fixes, `truncated` when there are more), or with
 * `format=geojson|kml|gpx` as a file to download holding every fix of the window, named after the unit
 * and the window's start in Beijing time (`track-<station>-<unit>-20261202-2013_UTC8.gpx`). A unit is
 * its station and its id: `stationId` names the station (without it, the one station visible to the
 * user that has a unit of that id, `CONFLICT` when several do).
 * `POST /api/operations/:id/units` writes a unit record into a station's roster.
 */
export function unitRoutes(app: FastifyInstance, ctx: AppContext, live: LiveService): void {
  app.get<{
    Params: { id: string };
    Querystring: { stationId?: string; from?: string; to?: string; format?: ExportFormat };
  }>(
    '/api/units/:id/track',
    {
      schema: {
        params: Type.Object({ id: Id }),
        querystring: Type.Object(
          {
            stationId: Type.Optional(Id),
            from: Type.Optional(Type.String({ maxLength: 40 })),
            to: Type.Optional(Type.String({ maxLength: 40 })),
            format: Type.Optional(Type.Union([Type.Literal('geojson'), Type.Literal('kml'), Type.Literal('gpx')])),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const unitId = request.params.id;
      const now = Date.now();
      const to = parseTimeParam(request.query.to, now, 'to');
      const from = parseTimeParam(request.query.from, to - DEFAULT_TRACK_WINDOW_MS, 'from');
      if (from > to) throw new AppError('INVALID_PAYLOAD', 'from must not be after to');
      if (to - from > MAX_TRACK_WINDOW_MS)
        throw new AppError('INVALID_PAYLOAD', `the window may span at most ${MAX_TRACK_WINDOW_MS / 3600_000} h`);
      const operations = await ctx.storage.listOperations();
      const candidates = [
        ...live.stationsWithUnit(unitId),
        ...(await ctx.storage.devicesOfUnit(unitId)).map((d) => d.stationId),
      ];
      // A unit known here only by its track (restored from an archive) is found by the station asked for.
      const asked = request.query.stationId;
      if (asked && !candidates.includes(asked) && (await ctx.storage.track(asked, unitId, from, to, 1)).length)
        candidates.push(asked);
      const stationId = trackStation(user, unitId, request.query.stationId, candidates, operations);
      // Another station's unit: only within the times of the operations shared with it.
      const windows = sharedWindows(user, stationId, operations);
      const format = request.query.format;
      if (format) {
        // A download for other tools: the window's whole track, however many fixes (track-file.ts),
        // named after its unit; GPX keeps each fix's time (KML and GeoJSON carry the times as
        // properties only).
        const track = await readTrackColumns(ctx.storage, stationId, unitId, from, to, windows);
        const title = `track-${stationId}-${unitId}-${cstFileStamp(from)}`;
        return sendTrackFile(reply, track, format, { unitId, stationId, from, to, title });
      }
      // For the map: at most MAX_TRACK_POINTS, `truncated` when the window holds more.
      const fixes: PositionFix[] = [];
      for (const span of windows) {
        const [start, end] = [Math.max(from, span.from), Math.min(to, span.to)];
        if (start > end) continue;
        // Keyed by station and unit: another station's unit of the same id is never part of it.
        fixes.push(...(await ctx.storage.track(stationId, unitId, start, end, MAX_TRACK_POINTS + 1 - fixes.length)));
        if (fixes.length > MAX_TRACK_POINTS) break;
      }
      const truncated = fixes.length > MAX_TRACK_POINTS;
      return trackToGeoJson(
        unitId,
        stationId,
        truncated ? fixes.slice(0, MAX_TRACK_POINTS) : fixes,
        from,
        to,
        truncated,
      );
    },
  );

  app.post<{ Params: { id: string }; Body: CreateUnitInput }>(
    '/api/operations/:id/units',
    { schema: { params: Type.Object({ id: Id }), body: UnitBody } },
    async (request, reply) =>
      reply.status(201).send(await putUnit(ctx, requireUser(request), request.params.id, request.body)),
  );
}
