import type { FastifyServerOptions } from 'fastify';

/** Query parameters whose values must never reach a log line (bearer tokens, incl. 30-day wall tokens). */
const SECRET_PARAMS = /([?&](?:token|access_token|password)=)[^&#\s]*/gi;

/**
 * A URL with secret query values replaced by `[redacted]`.
 *
 * @example
 * redactUrl('/sync/op/command?token=abc') // '/sync/op/command?token=[redacted]'
 */
export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[redacted]');
}

interface LoggedRequest {
  method: string;
  url: string;
  hostname?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/**
 * Logger options for Fastify: the level, plus a request serializer that redacts tokens from the
 * URL (sync and socket.io clients pass the token in the query string) and never logs headers.
 */
export function loggerOptions(
  level: string,
  extra: Record<string, unknown> = {},
): NonNullable<Exclude<FastifyServerOptions['logger'], boolean>> {
  return {
    level,
    ...extra,
    serializers: {
      req: (req: LoggedRequest) => ({
        method: req.method,
        url: redactUrl(req.url),
        host: req.hostname,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
    },
  } as NonNullable<Exclude<FastifyServerOptions['logger'], boolean>>;
}
