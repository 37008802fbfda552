import { describe, expect, test } from 'vitest';
import { AppError } from '@jointmap/shared';
import { hashPassword, verifyPassword } from './passwords.ts';
import { TokenService } from './tokens.ts';

describe('TokenService', () => {
  const claims = { sub: 'u-deqing', role: 'dispatcher' as const, stationId: 'deqing-yuyue', name: '禹越值班民警' };

  test('issues tokens that verify until they expire', () => {
    let now = 1_700_000_000_000;
    const tokens = new TokenService('secret', 60, () => now);
    const { token } = tokens.issue(claims);
    expect(tokens.verify(token)).toMatchObject({ ...claims, exp: 1_700_000_060 });
    now += 61_000;
    expect(() => tokens.verify(token)).toThrow(expect.objectContaining({ code: 'TOKEN_EXPIRED' }));
  });

  test('refuses tokens signed with another secret or tampered with', () => {
    const a = new TokenService('secret-a', 60);
    const b = new TokenService('secret-b', 60);
    const { token } = a.issue(claims);
    expect(() => b.verify(token)).toThrow(AppError);
    const [body, sig] = token.split('.') as [string, string];
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), role: 'commander' }),
    ).toString('base64url');
    expect(() => a.verify(`${forged}.${sig}`)).toThrow(/signature/);
    expect(() => a.verify(undefined)).toThrow(/missing/);
    expect(() => a.verify('x'.repeat(5000))).toThrow(/malformed/);
  });
});

describe('password hashing', () => {
  test('scrypt hashes verify only the right password and are salted', async () => {
    const h1 = await hashPassword('正确的密码');
    const h2 = await hashPassword('正确的密码');
    expect(h1).not.toEqual(h2);
    expect(h1.startsWith('scrypt$')).toBe(true);
    expect(await verifyPassword('正确的密码', h1)).toBe(true);
    expect(await verifyPassword('wrong', h1)).toBe(false);
    expect(await verifyPassword('x', 'garbage')).toBe(false);
  });
});
