import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError } from '@jointmap/shared';
import { UNKNOWN_USER_HASH, verifyPassword } from '../auth/passwords.ts';
import { currentAccount } from '../auth/session.ts';
import { requireUser } from '../plugins/auth.ts';
import type { AppContext } from '../services/context.ts';
import type { Account } from '../storage/types.ts';

const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);

export function authRoutes(app: FastifyInstance, ctx: AppContext): void {
  const perAddress = app.createRateLimit({
    max: ctx.config.loginAddressRateLimit,
    timeWindow: 60_000,
    keyGenerator: (req) => `login-address|${req.ip}`,
  });
  app.post<{ Body: { username: string; password: string } }>(
    '/api/auth/login',
    {
      schema: { body: LoginBody },
      // Spraying user names from one address would dodge the per-name limit below and buy
      // unlimited scrypt work: a second limit per address, across names.
      // (The plugin runs one limit per request, so this one is checked by hand.)
      preHandler: async (request, reply) => {
        const verdict = await perAddress(request);
        if (verdict.isAllowed || !verdict.isExceeded) return;
        ctx.metrics.logins.inc({ result: 'rate_limited' });
        void reply.header('retry-after', String(verdict.ttlInSeconds));
        throw new AppError(
          'RATE_LIMITED',
          `too many login attempts from this address; retry in ${verdict.ttlInSeconds} s`,
        );
      },
      config: {
        public: true,
        rateLimit: {
          max: ctx.config.loginRateLimit,
          timeWindow: 60_000,
          keyGenerator: (req) =>
            `${req.ip}|${String((req.body as { username?: unknown } | undefined)?.username ?? '')}`,
          onExceeded: () => ctx.metrics.logins.inc({ result: 'rate_limited' }),
        },
      },
    },
    async (request) => {
      const { username, password } = request.body;
      const account = await ctx.storage.getAccountByUsername(username);
      const ok = await verifyPassword(password, account?.passwordHash ?? UNKNOWN_USER_HASH);
      if (!account || !ok || account.disabled) {
        ctx.metrics.logins.inc({ result: 'failed' });
        throw new AppError('UNAUTHENTICATED', 'wrong user name or password');
      }
      const issued = await ctx.sessions.open(account, ttlOf(ctx, account));
      // Disabled or changed between the read above and the session's row: storage ends only the
      // sessions that exist when an account changes, so this one would outlive the change. Read
      // again now that it is stored; a change from here on ends it like any other.
      if (!unchanged(account, await ctx.storage.getAccount(account.id))) {
        await ctx.sessions.end(issued.claims.sid, 'account_changed');
        ctx.metrics.logins.inc({ result: 'failed' });
        throw new AppError('UNAUTHENTICATED', 'wrong user name or password');
      }
      ctx.metrics.logins.inc({ result: 'ok' });
      return tokenReply(account, issued);
    },
  );

  app.get('/api/auth/me', async (request) => request.user);

  // Sign out: the session ends everywhere (REST, open sync sockets, socket.io), also on other
  // instances and after a restart.
  app.post('/api/auth/logout', async (request, reply) => {
    await ctx.sessions.end(requireUser(request).sessionId, 'logout');
    return reply.code(204).send();
  });

  // A fresh token for the same session, so an unattended wall stays signed in past its token's
  // life. Refused once the session ended (signed out, account disabled or changed).
  app.post('/api/auth/renew', async (request) => {
    const claims = request.claims!;
    const account = await currentAccount(ctx, claims);
    return tokenReply(account, await ctx.sessions.renew(claims, account, ttlOf(ctx, account)));
  });
}

/** The account as stored now is still enabled, with what a session depends on (as storage's end of sessions judges it). */
function unchanged(read: Account, now: Account | null): boolean {
  return (
    now !== null &&
    !now.disabled &&
    now.role === read.role &&
    now.stationId === read.stationId &&
    now.passwordHash === read.passwordHash
  );
}

/** Token lifetime: wall displays (viewers) run unattended for days (30 by default). */
function ttlOf(ctx: AppContext, account: Account): number {
  return account.role === 'viewer' ? ctx.config.viewerTokenTtlSeconds : ctx.config.tokenTtlSeconds;
}

function tokenReply(account: Account, issued: { token: string; claims: { iat: number; exp: number } }) {
  return {
    token: issued.token,
    // Both on the server's clock: a client renews at half the life, whatever its own clock says.
    issuedAt: issued.claims.iat * 1000,
    expiresAt: issued.claims.exp * 1000,
    user: { id: account.id, name: account.name, role: account.role, stationId: account.stationId },
  };
}
