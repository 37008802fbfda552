import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, type Principal } from '@jointmap/shared';
import type { SessionService } from '../auth/sessions.ts';
import type { TokenClaims } from '../auth/tokens.ts';

export interface AuthUser extends Principal {
  name: string;
  sessionId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    user: AuthUser | null;
    /** The verified claims of the request's bearer token (routes that are not public). */
    claims: TokenClaims | null;
  }
  interface FastifyContextConfig {
    /** Routes are authenticated unless they say `public: true`. */
    public?: boolean;
  }
}

export function userFromClaims(claims: TokenClaims): AuthUser {
  return { id: claims.sub, role: claims.role, stationId: claims.stationId, name: claims.name, sessionId: claims.sid };
}

/**
 * Bearer authentication on every route that is not marked `config: {public: true}`: the token's
 * signature and expiry, and that its session is still open (not signed out, account unchanged).
 */
export function registerAuth(app: FastifyInstance, sessions: SessionService): void {
  app.decorateRequest('user', null);
  app.decorateRequest('claims', null);
  app.addHook('onRequest', async (request) => {
    // The matched route, not the raw URL: `/%61pi/…` must not slip past as a non-API path.
    const route = request.routeOptions.url;
    if (request.routeOptions.config?.public || (route !== undefined && !route.startsWith('/api/'))) return;
    request.claims = await sessions.authenticate(bearer(request));
    request.user = userFromClaims(request.claims);
  });
}

/** The bearer token of a request's `Authorization` header, if any. */
export function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  return undefined;
}

/** The authenticated user of a route that is not public. */
export function requireUser(request: FastifyRequest): AuthUser {
  if (!request.user) throw new AppError('UNAUTHENTICATED', 'missing token');
  return request.user;
}

/** Refuse anyone but a commander: `what` completes "only commanders …" in the error. */
export function requireCommander(user: Principal, what: string): void {
  if (user.role !== 'commander') throw new AppError('FORBIDDEN', `only commanders ${what}`);
}
