import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { AppError, type Role } from '@jointmap/shared';

export interface TokenClaims {
  /** account id */
  sub: string;
  role: Role;
  stationId: string | null;
  name: string;
  /** login session id, recorded with every document update (audit) */
  sid: string;
  iat: number;
  exp: number;
}

/**
 * Compact signed bearer tokens: `base64url(claims).base64url(hmac-sha256)`. Stateless, so any
 * instance with the same secret accepts them.
 */
export class TokenService {
  constructor(
    private readonly secret: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token for a new session id, or for `sid` (a renewal keeps its session). */
  issue(
    claims: Omit<TokenClaims, 'sid' | 'iat' | 'exp'>,
    ttlSeconds = this.ttlSeconds,
    sid: string = randomUUID(),
  ): { token: string; claims: TokenClaims } {
    const iat = Math.floor(this.now() / 1000);
    const full: TokenClaims = { ...claims, sid, iat, exp: iat + ttlSeconds };
    const body = Buffer.from(JSON.stringify(full)).toString('base64url');
    return { token: `${body}.${this.sign(body)}`, claims: full };
  }

  /** Throws AppError UNAUTHENTICATED or TOKEN_EXPIRED. */
  verify(token: string | undefined | null): TokenClaims {
    if (!token) throw new AppError('UNAUTHENTICATED', 'missing token');
    const dot = token.indexOf('.');
    if (dot <= 0 || token.length > 4096) throw new AppError('UNAUTHENTICATED', 'malformed token');
    const body = token.slice(0, dot);
    const sig = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.sign(body), 'base64url');
    if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) {
      throw new AppError('UNAUTHENTICATED', 'invalid token signature');
    }
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      throw new AppError('UNAUTHENTICATED', 'malformed token');
    }
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= this.now()) {
      throw new AppError('TOKEN_EXPIRED', 'token expired, log in again');
    }
    return claims;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}
