import type { FastifyInstance } from 'fastify';
import { SERVER_TIME_HEADER } from '@jointmap/shared';

/**
 * Whether a browser may keep an answer with this `cache-control` and serve it again later: it
 * would then state the time it was first sent, up to its age early.
 */
function kept(cacheControl: unknown): boolean {
  const value = String(cacheControl ?? '');
  return /\bimmutable\b/.test(value) || /\bmax-age=0*[1-9]/.test(value);
}

/**
 * Every answer a browser does not keep states the server's clock (`x-server-time`): consoles
 * stamp records by it before their live channel speaks (client/src/lib/state/http-clock.ts).
 * Answers a browser keeps (the counties, static files) state nothing: served from its cache
 * later, they would put the estimate up to their age behind.
 */
export function stateServerTime(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply) => {
    if (!kept(reply.getHeader('cache-control'))) reply.header(SERVER_TIME_HEADER, String(Date.now()));
  });
}
