import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  AppError,
  applyChange,
  COMMAND_SCOPE,
  docAccess,
  scopeKind,
  Id,
  type Annotation,
  type ChangeOrigin,
} from '@jointmap/shared';
import { requireUser, type AuthUser } from '../plugins/auth.ts';
import type { AppContext } from '../services/context.ts';
import { getVisibleOperation, roomForWrite } from '../services/operations.ts';
import type { Converted, ImportCrs } from './import-convert.ts';
import type { ImportFormat } from './import-parse.ts';
import { IMPORT_LIMITS, importRunner, type RunImport } from './import-run.ts';

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
 * more than `IMPORT_MAX_FEATURES`, or one that takes too long or too much memory to read)
 * `PAYLOAD_TOO_LARGE`; either imports nothing. The file is read on a worker thread (`importRunner`);
 * with the workers busy and their queue full, an upload is refused at once with `RATE_LIMITED`.
 */
export function importRoutes(app: FastifyInstance, ctx: AppContext): void {
  const maxBytes = ctx.config.importMaxMib * 2 ** 20;
  const run = importRunner(IMPORT_LIMITS, (fault) => ctx.log.error({ fault }, 'import: reading a file failed'));
  void app.register(async (upload) => {
    upload.removeAllContentTypeParsers();
    upload.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_request, body, done) =>
      done(null, body),
    );
    upload.post<{ Params: { id: string }; Querystring: Query }>(
      '/api/operations/:id/import',
      { schema: { params: Params, querystring: Query }, bodyLimit: maxBytes },
      async (request, reply) => {
        const user = requireUser(request);
        const body = request.body as Buffer | undefined;
        if (!Buffer.isBuffer(body)) throw new AppError('INVALID_PAYLOAD', 'send the file as the request body');
        const result = await importFile(ctx, run, user, request.params.id, request.query, body, maxBytes);
        return reply.type('application/json; charset=utf-8').send(result);
      },
    );
  });
}

async function importFile(
  ctx: AppContext,
  run: RunImport,
  user: AuthUser,
  operationId: string,
  query: Query,
  body: Buffer,
  maxBytes: number,
): Promise<string> {
  const op = await getVisibleOperation(ctx, user, operationId);
  if (op.purgedAt != null) throw new AppError('OPERATION_PURGED', `operation ${op.id} was purged`);
  // No such document is told apart from one the user may not write (as export does).
  if (query.scope !== COMMAND_SCOPE && !op.stations.includes(query.scope))
    throw new AppError('NOT_FOUND', `no document ${query.scope} in ${op.id}`);
  if (docAccess(user, op.stations, query.scope, op.status) !== 'write')
    throw new AppError('FORBIDDEN', `no write access to the ${query.scope} document of ${op.id}`);
  const crs = query.crs ?? 'wgs84';
  const stations = await ctx.storage.listStations();
  const apply = query.apply === '1';
  const { format, count, skipped, json, annotations } = await run({
    bytes: body,
    maxBytes,
    maxFeatures: ctx.config.importMaxFeatures,
    convert: {
      crs,
      author: user.id,
      now: Date.now(),
      defaultColor: stations.find((s) => s.id === query.scope)?.color ?? COMMAND_COLOR,
      maxAnnotations: ctx.config.importMaxFeatures,
    },
    withAnnotations: apply,
  });
  if (!count) {
    const reasons = Object.entries(skipped).map(([reason, n]) => `${n} ${reason}`);
    throw new AppError(
      'INVALID_PAYLOAD',
      `nothing in the file can be imported${reasons.length ? ` (skipped: ${reasons.join(', ')})` : ''}`,
    );
  }
  if (apply && annotations?.length) {
    const kind = scopeKind(query.scope);
    // Reading a large file takes a while: the operation may have closed meanwhile (FORBIDDEN).
    const room = await roomForWrite(ctx, op.id, query.scope);
    const origin: ChangeOrigin = { source: 'server' };
    await room.serverChange(
      (doc) =>
        doc.transact(() => {
          for (const a of annotations)
            applyChange(doc, kind, { type: 'put', map: 'annotations', key: a.id, value: a }, origin, query.scope);
        }, origin),
      { sessionId: null, userId: user.id },
    );
    ctx.log.info({ operation: op.id, scope: query.scope, format, count }, 'import applied');
  }
  // An `ImportResult`: the worker's JSON of what it converted, with the request's own fields first.
  const head: Omit<ImportResult, keyof Converted> = { format, crs, scope: query.scope, applied: apply };
  return `${JSON.stringify(head).slice(0, -1)},${json.slice(1)}`;
}
