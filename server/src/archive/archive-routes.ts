import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError, Id } from '@jointmap/shared';
import { requireCommander, requireUser } from '../plugins/auth.ts';
import { sendAttachment } from '../routes/attachment.ts';
import type { AppContext } from '../services/context.ts';
import { ArchiveService } from './archive-service.ts';
import type { ClosedListener } from './operation-watch.ts';

const IdParams = Type.Object({ id: Id });
const ArchiveParams = Type.Object({ id: Id, archiveId: Type.String({ pattern: '^[0-9T]{15}-[0-9a-f]{6}$' }) });
const PurgeBody = Type.Object(
  { archiveId: Type.String({ maxLength: 40 }), sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) },
  { additionalProperties: false },
);
const UPLOAD_TYPES = ['application/gzip', 'application/x-gzip', 'application/octet-stream'];

/**
 * Closing, archiving, purging and restoring operations, commanders only:
 * `POST /api/operations/:id/close`,
 * `GET|POST /api/operations/:id/archives` (list; write one of a closed operation),
 * `GET /api/operations/:id/archives/:archiveId/file` (the `.tar.gz`, named after the operation's
 *   title too; header `x-archive-sha256`),
 * `POST /api/operations/:id/purge {archiveId, sha256}`,
 * `POST /api/archives/restore` (body: the archive file).
 */
export function attachArchives(app: FastifyInstance, ctx: AppContext, closed: ClosedListener): ArchiveService {
  const archives = new ArchiveService(ctx, closed);
  app.addHook('onReady', async () => {
    await archives.sweep();
    archives.resumePurges();
  });
  app.addHook('preClose', () => archives.stop());

  app.post<{ Params: { id: string } }>(
    '/api/operations/:id/close',
    { schema: { params: IdParams } },
    async (request) => ({
      operation: await archives.close(requireUser(request), request.params.id),
    }),
  );

  app.get<{ Params: { id: string } }>(
    '/api/operations/:id/archives',
    { schema: { params: IdParams } },
    async (request) => ({
      archives: await archives.list(requireUser(request), request.params.id),
    }),
  );

  app.post<{ Params: { id: string } }>(
    '/api/operations/:id/archives',
    { schema: { params: IdParams } },
    async (request, reply) => reply.status(201).send(await archives.create(requireUser(request), request.params.id)),
  );

  app.get<{ Params: { id: string; archiveId: string } }>(
    '/api/operations/:id/archives/:archiveId/file',
    { schema: { params: ArchiveParams } },
    async (request, reply) => {
      const { path, record } = await archives.file(requireUser(request), request.params.id, request.params.archiveId);
      if (path === null) throw new AppError('NOT_FOUND', `the file of archive ${record.id} is not on this server`);
      // Saved as `<title>-<file>`; the file's own name for clients that read only ASCII.
      const base = record.file.replace(/\.tar\.gz$/, '');
      const title = (await ctx.storage.getOperation(record.operationId))?.name;
      const name = title ? { name: title, suffix: `-${base}` } : { name: base };
      return sendAttachment(reply, 'application/gzip', {
        ...name,
        ascii: base,
        fallback: record.id,
        extension: 'tar.gz',
      })
        .header('content-length', record.bytes)
        .header('x-archive-sha256', record.sha256)
        .send(createReadStream(path));
    },
  );

  app.post<{ Params: { id: string }; Body: { archiveId: string; sha256: string } }>(
    '/api/operations/:id/purge',
    { schema: { params: IdParams, body: PurgeBody } },
    async (request) => ({
      operation: await archives.purge(
        requireUser(request),
        request.params.id,
        request.body.archiveId,
        request.body.sha256,
      ),
    }),
  );

  void app.register(async (upload) => {
    // The body stays a stream: an archive may be gigabytes, written to disk as it arrives.
    upload.addContentTypeParser(UPLOAD_TYPES, (_request, payload, done) => done(null, payload));
    upload.post('/api/archives/restore', async (request, reply) => {
      const user = requireUser(request);
      requireCommander(user, 'restore archives');
      if (!UPLOAD_TYPES.includes(String(request.headers['content-type']).split(';')[0]!.trim()))
        throw new AppError('INVALID_PAYLOAD', 'send the archive file as application/gzip');
      const dir = archives.files.dir;
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${archives.files.work('upload')}${randomBytes(6).toString('hex')}.tar.gz`);
      try {
        const announced = Number(request.headers['content-length'] ?? 0);
        await receive(request.body as Readable, file, ctx.config.archiveMaxMib * 2 ** 20, announced);
      } catch (err) {
        await rm(file, { force: true });
        // The rest of a refused upload is not read: the connection ends with the answer.
        void reply.header('connection', 'close');
        throw err;
      }
      // The service removes the upload when done, restored or refused.
      return reply.status(201).send({ operation: await archives.restore(user, file) });
    });
  });
  return archives;
}

/**
 * Write an upload to `file`, refusing it (PAYLOAD_TOO_LARGE) past `maxBytes`. An upload announced
 * too large is refused before it is read; one that grows too large is read to its end and
 * discarded, so the client gets the answer instead of a broken connection.
 */
async function receive(body: Readable, file: string, maxBytes: number, announced: number): Promise<void> {
  const tooLarge = () =>
    new AppError('PAYLOAD_TOO_LARGE', `archives larger than ${Math.round(maxBytes / 2 ** 20)} MiB are refused`);
  if (announced > maxBytes) throw tooLarge();
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.byteLength;
      callback(null, bytes > maxBytes ? undefined : chunk);
    },
  });
  await pipeline(body, limit, createWriteStream(file));
  if (bytes > maxBytes) throw tooLarge();
}
