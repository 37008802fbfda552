import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchemaValidationError,
} from 'fastify';
import { AppError, httpStatusOf, type ErrorBody, type ErrorCode, type ValidationIssue } from '@jointmap/shared';
import { isStorageFull } from '../storage/storage-full.ts';

/**
 * A problem the route schema's validator (Ajv) found, as structure: its `instancePath`, keyword and
 * `params.limit` (`{path: '/callsign', kind: 'maxLength', limit: 40}`).
 */
function issueOf(e: FastifySchemaValidationError): ValidationIssue {
  const limit = e.params?.limit;
  return {
    path: e.instancePath,
    kind: e.keyword,
    ...(typeof limit === 'number' ? { limit } : {}),
    message: e.message ?? e.keyword,
  };
}

/**
 * Every HTTP error leaves as `{error: {code, message}}` with a catalog code; a refusal by
 * validation (a route schema's, or a record's `AppError`) adds its `issues` as structure.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    let code: ErrorCode;
    let message = err.message;
    let issues: readonly ValidationIssue[] | undefined;
    if (err instanceof AppError) {
      code = err.code;
      issues = err.issues;
    } else if (isStorageFull(err)) code = 'STORAGE_FULL';
    else if ((err as FastifyError).validation) {
      code = 'INVALID_PAYLOAD';
      message = `${(err as FastifyError).validationContext ?? 'request'}${message.replace(/^(body|querystring|params)/, '')}`;
      issues = (err as FastifyError).validation!.map(issueOf);
    } else if (
      (err as FastifyError).statusCode === 413 ||
      (err as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE'
    ) {
      code = 'PAYLOAD_TOO_LARGE';
    } else if ((err as FastifyError).statusCode === 429) {
      code = 'RATE_LIMITED';
    } else if (
      (err as FastifyError).statusCode &&
      (err as FastifyError).statusCode! >= 400 &&
      (err as FastifyError).statusCode! < 500
    ) {
      code = (err as FastifyError).statusCode === 404 ? 'NOT_FOUND' : 'INVALID_PAYLOAD';
    } else {
      code = 'INTERNAL';
      request.log.error({ err }, 'unhandled error');
      message = 'internal error';
    }
    const body: ErrorBody = { error: { code, message, ...(issues ? { issues: [...issues] } : {}) } };
    void reply.status(httpStatusOf[code]).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = {
      error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` },
    };
    void reply.status(404).send(body);
  });
}

/**
 * Fastify option `frameworkErrors`: errors the router raises before any route or error handler
 * runs (a path parameter above `maxParamLength`, a malformed percent-encoding) get the coded body
 * too. Found by `pnpm fuzz`.
 */
export function frameworkErrors(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const body: ErrorBody = { error: { code: 'INVALID_PAYLOAD', message: err.message } };
  void reply.status(httpStatusOf.INVALID_PAYLOAD).send(body);
}
