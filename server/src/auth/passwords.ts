import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );

const PARAMS = { N: 16384, r: 8, p: 1 };

/** Node's default `maxmem` for scrypt (32 MiB): a hash needing more cannot be verified. */
const SCRYPT_MAX_MEMORY = 32 * 1024 * 1024;
/**
 * Most work (N·r·p) a stored hash may ask of one login: four times the default. Each login (or
 * failed attempt) runs it on a libuv thread, so a hash far costlier would make logins a way to
 * stall the server.
 */
const MAX_COST = 4 * PARAMS.N * PARAMS.r * PARAMS.p;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A stored hash taken apart. */
interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** `scrypt$N$r$p$salt$hash` (base64url parts), so parameters can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, 32, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/**
 * What is wrong with a stored hash (null: nothing): it must be `scrypt$N$r$p$salt$hash` with N a
 * power of two, parameters this server can run (memory 128·r·(N+2+p) within 32 MiB, work N·r·p at
 * most four times the default 2¹⁴·8·1), a base64url salt of 8–64 bytes and a base64url hash of
 * 16–64 bytes. {@link hashPassword} makes such hashes.
 *
 * @example
 * passwordHashProblem('scrypt$65536$8$1$c2FsdHNhbHQ$…') // 'N=65536, r=8, p=1 needs 64 MiB; at most 32 MiB'
 */
export function passwordHashProblem(stored: string): string | null {
  const parsed = parseHash(stored);
  return typeof parsed === 'string' ? parsed : null;
}

function parseHash(stored: string): ParsedHash | string {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return 'not of the form scrypt$N$r$p$salt$hash';
  const [n, r, p] = parts.slice(1, 4).map((s) => (/^[1-9][0-9]{0,9}$/.test(s!) ? Number(s) : NaN)) as [
    number,
    number,
    number,
  ];
  if (!Number.isSafeInteger(n) || n < 2 || n > 2 ** 30 || (n & (n - 1)) !== 0)
    return `N=${parts[1]} is not a power of two (as 16384)`;
  if (!Number.isSafeInteger(r) || !Number.isSafeInteger(p)) return `r=${parts[2]}, p=${parts[3]} are not both positive`;
  const memory = 128 * r * (n + 2 + p);
  if (memory > SCRYPT_MAX_MEMORY)
    return `N=${n}, r=${r}, p=${p} needs ${(memory / 2 ** 20).toFixed(0)} MiB; at most ${SCRYPT_MAX_MEMORY / 2 ** 20} MiB`;
  if (n * r * p > MAX_COST) return `N=${n}, r=${r}, p=${p} costs more than four times N=16384, r=8, p=1`;
  const [salt, hash] = [parts[4]!, parts[5]!];
  if (!BASE64URL.test(salt) || !BASE64URL.test(hash)) return 'salt and hash must be base64url (A-Z a-z 0-9 _ -)';
  const saltBytes = Buffer.from(salt, 'base64url');
  const hashBytes = Buffer.from(hash, 'base64url');
  if (saltBytes.length < 8 || saltBytes.length > 64) return `salt is ${saltBytes.length} bytes; 8 to 64`;
  if (hashBytes.length < 16 || hashBytes.length > 64) return `hash is ${hashBytes.length} bytes; 16 to 64`;
  return { N: n, r, p, salt: saltBytes, hash: hashBytes };
}

/** Whether `password` matches `stored`; false for a hash this server cannot read or run. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (typeof parsed === 'string') return false;
  const { N, r, p, salt, hash } = parsed;
  const key = await scrypt(password, salt, hash.length, { N, r, p });
  return key.length === hash.length && timingSafeEqual(key, hash);
}

/** A hash that never verifies, compared against when a user name is unknown (constant-ish time). */
export const UNKNOWN_USER_HASH = `scrypt$16384$8$1$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(32).toString('base64url')}`;

/** A readable random password for generated demo logins. */
export function randomPassword(): string {
  return randomBytes(9).toString('base64url');
}
