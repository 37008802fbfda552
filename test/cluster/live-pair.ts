import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Config } from '@jointmap/server/config';
import { createTestSchema } from '../helpers/pg-schema.ts';
import { startServer, type Teardown, type TestServer } from '../helpers/server.ts';

/** The machine's shared Redis, for tests that never stop it (always with {@link uniquePrefix}). */
export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of its own per test, so tests on one Redis never see each other's keys. */
export function uniquePrefix(): string {
  return `jm-test-${randomBytes(5).toString('hex')}:`;
}

/**
 * Two instances in this process on one fresh PostgreSQL schema and one Redis key prefix (the
 * machine's Redis unless `redisUrl` is given), as two processes behind a balancer would be. The
 * first seeds the demo; the second finds it. Closed (and the schema dropped) after the test.
 */
export async function startPair(
  t: Teardown,
  overrides: Partial<Config> = {},
): Promise<{ a: TestServer; b: TestServer; prefix: string; databaseUrl: string }> {
  const schema = await createTestSchema();
  const prefix = uniquePrefix();
  const servers: TestServer[] = [];
  t.onTestFinished(async () => {
    for (const s of servers) await s.close();
    for (const s of servers) rmSync(s.dataDir, { recursive: true, force: true });
    await schema.drop();
  });
  const config: Partial<Config> = {
    databaseUrl: schema.url,
    redisUrl: SHARED_REDIS_URL,
    redisPrefix: prefix,
    ...overrides,
  };
  servers.push(await startServer(null, config));
  servers.push(await startServer(null, config));
  return { a: servers[0]!, b: servers[1]!, prefix, databaseUrl: schema.url };
}

/** Waits until `check` resolves true (an async {@link eventually}); throws naming `what` after `timeoutMs`. */
export async function until(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (await check()) return;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
