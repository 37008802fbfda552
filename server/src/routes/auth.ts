import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError } from '@jointmap/shared';
import { UNKNOWN_USER_HASH, verifyPassword } from '../auth/passwords.ts';
import type { AppContext } from '../services/context.ts';

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
      ctx.metrics.logins.inc({ result: 'ok' });
      const ttl =
        account.role === 'viewer' ? Math.max(ctx.config.tokenTtlSeconds, 30 * 86400) : ctx.config.tokenTtlSeconds;
      const { token, claims } = ctx.tokens.issue(
        { sub: account.id, role: account.role, stationId: account.stationId, name: account.name },
        ttl,
      );
      return {
        token,
        expiresAt: claims.exp * 1000,
        user: { id: account.id, name: account.name, role: account.role, stationId: account.stationId },
      };
    },
  );

  app.get('/api/auth/me', async (request) => request.user);
}
