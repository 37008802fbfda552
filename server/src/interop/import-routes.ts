import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  AppError,
  applyChange,
  COMMAND_SCOPE,
  docAccess,
  docName,
  Id,
  type Annotation,
  type ChangeOrigin,
} from '@jointmap/shared';
import { requireUser, type AuthUser } from '../plugins/auth.ts';
import type { AppContext } from '../services/context.ts';
import { getVisibleOperation } from '../services/operations.ts';
import { convertFeatures, type Converted, type ImportCrs } from './import-convert.ts';
import type { ImportFormat } from './import-parse.ts';

const Params = Type.Object({ id: Id });
const Query = Type.Object(
  {
    scope: Id,
    crs: Type.Optional(Type.Union([Type.Literal('wgs84'), Type.Literal('gcj02')])),
    apply: Type.Optional(Type.Union([Type.Literal('0'), Type.Literal('1')])),
  },
  { additionalProperties: false },
);
type Query = { scope: string; crs?: ImportCrs; apply?: '0' | '1' };

/** What an import answers: the annotations it makes (written when applied) and what it skipped. */
export interface ImportResult extends Omit<Converted, 'annotations'> {
  format: ImportFormat;
  crs: ImportCrs;
  scope: string;
  applied: boolean;
  annotations: Annotation[];
}

/** The command document's colour, as the console draws it. */
const COMMAND_COLOR = '#1e3a8a';

/**
 * `POST /api/operations/:id/import?scope=&crs=wgs84|gcj02&apply=0|1`, body: a GeoJSON, KML, KMZ or
 * GPX file (any content type). Without `apply=1` it is a preview that writes nothing; with it, every
 * annotation goes into the document in one transaction (all or none) by a user who may write it.
 * A bad file, or one with nothing to import, is `INVALID_PAYLOAD`, an oversized one (or one with
 * more than `IMPORT_MAX_FEATURES`) `PAYLOAD_TOO_LARGE`; either imports nothing.
 */
export function importRoutes(app: FastifyInstance, ctx: AppContext): void {
  const maxBytes = ctx.config.importMaxMib * 2 ** 20;
  void app.register(async (upload) => {
    upload.removeAllContentTypeParsers();
    upload.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_request, body, done) =>
      done(null, body),
    );
    upload.post<{ Params: { id: string }; Querystring: Query }>(
      '/api/operations/:id/import',
      { schema: { params: Params, querystring: Query }, bodyLimit: maxBytes },
      async (request) => {
        const user = requireUser(request);
        const body = request.body as Buffer | undefined;
        if (!Buffer.isBuffer(body)) throw new AppError('INVALID_PAYLOAD', 'send the file as the request body');
        return importFile(ctx, user, request.params.id, request.query, body, maxBytes);
      },
    );
  });
}

async function importFile(
  ctx: AppContext,
  user: AuthUser,
  operationId: string,
  query: Query,
  body: Buffer,
  maxBytes: number,
): Promise<ImportResult> {
  const op = await getVisibleOperation(ctx, user, operationId);
  if (op.purgedAt != null) throw new AppError('OPERATION_PURGED', `operation ${op.id} was purged`);
  if (docAccess(user, op.stations, query.scope, op.status) !== 'write')
    throw new AppError('FORBIDDEN', `no write access to the ${query.scope} document of ${op.id}`);
  const crs = query.crs ?? 'wgs84';
  // The XML parsers are loaded on the first import, not at start-up (server memory).
  const { parseImport } = await import('./import-parse.ts');
  const { format, collection } = parseImport(body, maxBytes);
  const stations = await ctx.storage.listStations();
  const converted = convertFeatures(collection, {
    crs,
    author: user.id,
    now: Date.now(),
    defaultColor: stations.find((s) => s.id === query.scope)?.color ?? COMMAND_COLOR,
  });
  if (!converted.annotations.length) {
    const skipped = Object.entries(converted.skipped).map(([reason, n]) => `${n} ${reason}`);
    throw new AppError(
      'INVALID_PAYLOAD',
      `nothing in the file can be imported${skipped.length ? ` (skipped: ${skipped.join(', ')})` : ''}`,
    );
  }
  if (converted.annotations.length > ctx.config.importMaxFeatures)
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `${converted.annotations.length} features: at most ${ctx.config.importMaxFeatures} are imported at once`,
    );
  const apply = query.apply === '1';
  // Reading a large file takes a while: the operation may have closed meanwhile.
  if (apply && (await ctx.storage.getOperation(op.id))?.status !== 'active')
    throw new AppError('FORBIDDEN', `operation ${op.id} was closed: it is read-only`);
  if (apply && converted.annotations.length) {
    const kind = query.scope === COMMAND_SCOPE ? 'command' : 'station';
    const room = await ctx.rooms.get(docName(op.id, query.scope));
    const origin: ChangeOrigin = { source: 'server' };
    await room.serverChange(
      (doc) =>
        doc.transact(() => {
          for (const a of converted.annotations)
            applyChange(doc, kind, { type: 'put', map: 'annotations', key: a.id, value: a }, origin, query.scope);
        }, origin),
      { sessionId: null, userId: user.id },
    );
    ctx.log.info(
      { operation: op.id, scope: query.scope, format, count: converted.annotations.length },
      'import applied',
    );
  }
  return { ...converted, format, crs, scope: query.scope, applied: apply };
}
