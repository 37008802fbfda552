import { describe, expect, it } from 'vitest';
import { hashPassword, passwordHashProblem, verifyPassword } from './passwords.ts';

const SALT = Buffer.alloc(16, 1).toString('base64url');
const HASH = Buffer.alloc(32, 2).toString('base64url');
const hash = (n: string, r = '8', p = '1', salt = SALT, key = HASH) => `scrypt$${n}$${r}$${p}$${salt}$${key}`;

describe('stored password hashes', () => {
  it('takes what hashPassword makes, and verifies it', async () => {
    const made = await hashPassword('correct horse');
    expect(passwordHashProblem(made)).toBeNull();
    expect(await verifyPassword('correct horse', made)).toBe(true);
  });

  it.for([
    ['scrypt$abc', /form scrypt\$N\$r\$p\$salt\$hash/],
    [hash('65536'), /needs 64 MiB; at most 32 MiB/],
    [hash('16384', '8', '5'), /costs more than four times/],
    [hash('1000'), /not a power of two/],
    [hash('0'), /not a power of two/],
    [hash('16384', '0'), /not both positive/],
    [hash('16384', '8', '1', 'c2Fsd+A/'), /base64url/],
    [hash('16384', '8', '1', 'c2E'), /salt is 2 bytes/],
    [hash('16384', '8', '1', SALT, 'aGFzaA'), /hash is 4 bytes/],
  ] as const)('refuses %s', async ([stored, problem]) => {
    expect(passwordHashProblem(stored)).toMatch(problem);
    // A login against it is refused (401), never an error (500).
    expect(await verifyPassword('anything', stored)).toBe(false);
  });
});
