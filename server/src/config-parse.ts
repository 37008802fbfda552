/**
 * Parsers of environment values (server/src/config.ts): each throws a sentence naming the variable
 * on a bad value, so the process refuses to start.
 */
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { DEFAULT_ETA, parseSpeeds, type UnitKind } from '@jointmap/shared';

export const text = (raw: string): string => raw;
export const absolutePath = (raw: string): string => resolve(raw);

export function nonNegativeInt(raw: string, name: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

export function positiveInt(raw: string, name: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

export function port(raw: string, name: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`${name} must be a port number from 0 to 65535 (0: any free port), got "${raw}"`);
  return n;
}

/**
 * A URL of one of `schemes`. The message names the variable and the scheme only: the value may
 * hold a password.
 */
export const urlOf =
  (schemes: string[], example: string) =>
  (raw: string, name: string): string => {
    let url: URL | null = null;
    try {
      url = new URL(raw.trim());
    } catch {
      // Not a URL at all: told below.
    }
    // node-postgres also takes a socket directory (`/var/run/postgresql dbname`) and `socket:` URLs.
    if (schemes.includes('postgres:') && (raw.trim().startsWith('/') || url?.protocol === 'socket:')) return raw.trim();
    if (!url || !schemes.includes(url.protocol)) {
      const got = url ? `a ${url.protocol} URL` : 'something that is not a URL';
      throw new Error(`${name} must be a ${schemes.join(' or ')} URL such as ${example}, got ${got}`);
    }
    return raw.trim();
  };

export const numberAtLeast =
  (min: number, exclusive = false) =>
  (raw: string, name: string): number => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || (exclusive && n === min)) {
      throw new Error(`${name} must be a number ${exclusive ? 'above' : 'of at least'} ${min}, got "${raw}"`);
    }
    return n;
  };

const FLAG_WORDS = new Map([
  ['1', true],
  ['true', true],
  ['yes', true],
  ['0', false],
  ['false', false],
  ['no', false],
]);

export function flag(raw: string, name: string): boolean {
  const v = FLAG_WORDS.get(raw.trim().toLowerCase());
  if (v === undefined) throw new Error(`${name} must be 1/true/yes or 0/false/no, got "${raw}"`);
  return v;
}

/** Names proxy-addr (Fastify's `trustProxy`) knows for address ranges. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An address, a CIDR (`10.0.0.0/8`, `fd00::/8`), an IPv4 netmask form or a range name. */
function proxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry) || isIP(entry)) return true;
  const [addr = '', bits, ...rest] = entry.split('/');
  const family = isIP(addr);
  if (!family || bits === undefined || rest.length) return false;
  if (family === 4 && isIP(bits) === 4) return contiguousMask(bits);
  // At least one bit, as the proxy-addr Fastify uses requires (a /0 would trust every address).
  return /^\d{1,3}$/.test(bits) && Number(bits) >= 1 && Number(bits) <= (family === 4 ? 32 : 128);
}

/** An IPv4 netmask of leading ones only (255.255.0.0), not 0.0.0.0: what proxy-addr accepts. */
function contiguousMask(mask: string): boolean {
  const n = mask.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
  const inverted = 2 ** 32 - 1 - n;
  return n !== 0 && (inverted & (inverted + 1)) === 0;
}

/** 1/0/true/false/yes/no, or a comma list of proxy addresses/CIDRs whose forwarded address is believed. */
export function trustProxy(raw: string, name: string): boolean | string[] {
  if (FLAG_WORDS.has(raw.trim().toLowerCase())) return flag(raw, name);
  const list = raw.split(',').map((s) => s.trim());
  const bad = list.find((entry) => !proxyAddress(entry));
  if (bad !== undefined)
    throw new Error(
      `${name} must be 1/true/yes, 0/false/no or a comma list of proxy addresses or CIDRs ` +
        `(10.0.0.5,192.168.0.0/16; a number of proxies is not accepted), got "${raw}": "${bad}" is not an address`,
    );
  return list;
}

export function speeds(raw: string, name: string): Record<UnitKind, number> {
  try {
    return parseSpeeds(raw, DEFAULT_ETA.speedKmh);
  } catch (err) {
    throw new Error(`${name} must look like "car=40,foot=5" (km/h by unit kind): ${(err as Error).message}`);
  }
}

/** At most 10 s: stock clients renew every 15–18 s and time a state out after 30 s. */
export function renewalMs(raw: string, name: string): number {
  const n = nonNegativeInt(raw, name);
  if (n > 10_000)
    throw new Error(`${name} must be at most 10000 (ms): clients time presence out after 30 s, got "${raw}"`);
  return n;
}
