import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Feature, FeatureCollection } from 'geojson';
import {
  AppError,
  COMMAND_SCOPE,
  docAccess,
  docName,
  Id,
  readMap,
  type Annotation,
  type Search,
  type Sector,
} from '@jointmap/shared';
import { requireUser } from '../plugins/auth.ts';
import { sendAttachment } from '../routes/attachment.ts';
import type { AppContext } from '../services/context.ts';
import { getVisibleOperation } from '../services/operations.ts';
import { circleRing } from '../geo/circle-ring.ts';
import { currentSectors } from '../search/search-sectors.ts';
import { docFromStored } from '../storage/stored-doc.ts';
import { EXPORT_TYPES, type ExportFormat } from './export-types.ts';

const Format = Type.Union([Type.Literal('geojson'), Type.Literal('kml'), Type.Literal('gpx')]);
const Query = Type.Object(
  {
    what: Type.Union([Type.Literal('annotations'), Type.Literal('sectors')]),
    format: Format,
    scope: Type.Optional(Id),
  },
  { additionalProperties: false },
);
type Query = { what: 'annotations' | 'sectors'; format: ExportFormat; scope?: string };

/**
 * Send a FeatureCollection as a download in `format`: `<title><suffix>.<ext>` (the title may be
 * Chinese; default `name`), `<name>.<ext>` for clients that read only the ASCII name. `name` is
 * also the document's own name.
 */
export async function sendExport(
  reply: FastifyReply,
  collection: FeatureCollection,
  format: ExportFormat,
  name: string,
  title?: { name: string; suffix: string },
): Promise<FastifyReply> {
  // The XML writers are loaded on the first export, not at start-up (server memory).
  const { formatExport } = await import('./export-format.ts');
  const { type, extension } = EXPORT_TYPES[format];
  return sendAttachment(reply, type, { name, ...title, ascii: name, fallback: 'export', extension }).send(
    formatExport(collection, format, name),
  );
}

/**
 * `GET /api/operations/:id/export?what=annotations|sectors&format=geojson|kml|gpx&scope=`: the
 * operation's annotations (every document the user may read, or one `scope`) or its search
 * sectors as a file for other tools, WGS-84. Name, description and simplestyle colours
 * (`stroke`, `fill`, `marker-color`) are what Google Earth, CalTopo and phone apps read back; our
 * own fields ride along as properties. A circle goes out as the polygon of its ring (no format has
 * circles) with `kind: "circle"` and `radiusM`, from which an import makes the circle again.
 * Tracks: `GET /api/units/:id/track?format=`.
 */
export function exportRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Params: { id: string }; Querystring: Query }>(
    '/api/operations/:id/export',
    { schema: { params: Type.Object({ id: Id }), querystring: Query } },
    async (request, reply) => {
      const user = requireUser(request);
      const op = await getVisibleOperation(ctx, user, request.params.id);
      if (op.purgedAt != null) throw new AppError('OPERATION_PURGED', `operation ${op.id} was purged`);
      const { what, format, scope } = request.query;
      const scopes = (what === 'sectors' ? [COMMAND_SCOPE] : scope ? [scope] : [COMMAND_SCOPE, ...op.stations]).filter(
        (s) => docAccess(user, op.stations, s, op.status) !== 'none',
      );
      if (scope && !scopes.length) throw new AppError('NOT_FOUND', `no document ${scope} in ${op.id}`);
      const features: Feature[] = [];
      for (const s of scopes) {
        const doc = docFromStored(await ctx.storage.loadDoc(docName(op.id, s)));
        try {
          if (what === 'annotations') {
            for (const a of readMap<Annotation>(doc, 'annotations').values()) features.push(annotationFeature(a, s));
          } else {
            // The sectors of each search's split in force (not those of a concurrent split that lost).
            const sectors = currentSectors(
              readMap<Sector>(doc, 'sectors').values(),
              readMap<Search>(doc, 'searches').values(),
            );
            for (const sector of sectors) features.push(sectorFeature(sector));
          }
        } finally {
          doc.destroy();
        }
      }
      const collection: FeatureCollection = { type: 'FeatureCollection', features };
      // Saved as `<title>-annotations.kml`; `<id>-annotations.kml` for clients that read only ASCII.
      return sendExport(reply, collection, format, `${op.id}-${what}`, { name: op.name, suffix: `-${what}` });
    },
  );
}

function annotationFeature(a: Annotation, scope: string): Feature {
  const g = a.geometry;
  const geometry: Feature['geometry'] =
    a.kind === 'circle' && g.type === 'Point' && a.radiusM !== undefined
      ? { type: 'Polygon', coordinates: [circleRing(g.coordinates[0]!, g.coordinates[1]!, a.radiusM)] }
      : g;
  const style =
    geometry.type === 'Point'
      ? { 'marker-color': a.color }
      : geometry.type === 'Polygon'
        ? { stroke: a.color, fill: a.color, 'fill-opacity': 0.2 }
        : { stroke: a.color };
  return {
    type: 'Feature',
    id: a.id,
    geometry,
    properties: {
      name: a.label,
      ...style,
      kind: a.kind,
      scope,
      author: a.author,
      updatedAt: new Date(a.updatedAt).toISOString(),
      ...(a.radiusM !== undefined ? { radiusM: a.radiusM } : {}),
      ...(a.symbol ? { symbol: a.symbol } : {}),
    },
  };
}

function sectorFeature(s: Sector): Feature {
  return {
    type: 'Feature',
    id: s.id,
    geometry: s.polygon,
    properties: {
      name: s.name,
      description: `${s.status}${s.assignedUnitIds.length ? ` · ${s.assignedUnitIds.join(', ')}` : ''}`,
      stroke: '#7c3aed',
      fill: '#7c3aed',
      'fill-opacity': 0.15,
      status: s.status,
      assignedStationId: s.assignedStationId,
      assignedUnitIds: s.assignedUnitIds.join(','),
      sweepWidthM: s.sweepWidthM,
      taskId: s.taskId,
    },
  };
}
