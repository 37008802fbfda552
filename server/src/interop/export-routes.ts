import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError, COMMAND_SCOPE, docAccess, docName, Id } from '@jointmap/shared';
import { requireUser } from '../plugins/auth.ts';
import { sendAttachment } from '../routes/attachment.ts';
import type { AppContext } from '../services/context.ts';
import { getVisibleOperation } from '../services/operations.ts';
import type { ExportDoc, ExportWhat } from './export-collection.ts';
import { EXPORT_LIMITS, exportRunner } from './export-run.ts';
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
type Query = { what: ExportWhat; format: ExportFormat; scope?: string };

/**
 * `GET /api/operations/:id/export?what=annotations|sectors&format=geojson|kml|gpx&scope=`: the
 * operation's annotations (every document the user may read, or one `scope`) or its search
 * sectors as a file for other tools, WGS-84 (features: export-collection.ts). Name, description
 * and simplestyle colours (`stroke`, `fill`, `marker-color`) are what Google Earth, CalTopo and
 * phone apps read back; our own fields ride along as properties. Saved as
 * `<operation title>-<what>.<ext>`, `<id>-<what>.<ext>` for clients that read only ASCII.
 *
 * The documents are read from storage here; rebuilding them and writing the file run on a worker
 * thread (`exportRunner`): with the workers busy and their queue full, an export is refused at once
 * with `RATE_LIMITED`, one past the worker's time or heap limit with `PAYLOAD_TOO_LARGE`.
 * Tracks: `GET /api/units/:id/track?format=`.
 */
export function exportRoutes(app: FastifyInstance, ctx: AppContext): void {
  const run = exportRunner(EXPORT_LIMITS, (fault) => ctx.log.error({ fault }, 'export: writing a file failed'));
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
      const docs: ExportDoc[] = [];
      for (const s of scopes) docs.push({ scope: s, stored: await ctx.storage.loadDoc(docName(op.id, s)) });
      const name = `${op.id}-${what}`;
      const file = await run({ what, format, title: name, now: Date.now(), docs });
      const { type, extension } = EXPORT_TYPES[format];
      return sendAttachment(reply, type, {
        name: op.name,
        suffix: `-${what}`,
        ascii: name,
        fallback: 'export',
        extension,
      }).send(file);
    },
  );
}
